/**
 * Embedded Plesk XML API (`agent.php`) emulator for development and tests: both auth methods, version handling,
 * XSD-like request checks, webspace get / add-subscription / remove-subscription / switch-subscription /
 * sync-subscription, service-plan and service-plan-addon get, server get_protos; request log, control API under
 * `/__sandbox/` and programmable faults. Demo data: PLESK_DEMO.
 */
export { AGENT_PATH, startPleskSandbox } from './server.js';
export type { PleskSandbox, PleskSandboxOptions, RecordedPleskRequest } from './server.js';
export { DEFAULT_BEHAVIOUR } from './agent.js';
export type { PleskSandboxBehaviour } from './agent.js';
export { DEFAULT_SUPPORTED_VERSIONS, PLESK_DEMO } from './fixtures.js';
export type { RecordedOperation } from './request.js';
