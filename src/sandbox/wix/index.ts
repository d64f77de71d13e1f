// Public surface of the embedded Wix Resellers API sandbox.
export { startWixSandbox } from './server.js';
export type { RecordedRequest, WixSandbox, WixSandboxOptions } from './server.js';
export { WIX_DEMO } from './demo.js';
export type { WixDemo } from './demo.js';
export type { Fault, FaultController, FaultRule } from '../faults.js';
export type { Cycle, FailureReason, InstanceStatus, Package, ProductInstance } from './types.js';
export { ACCOUNTS, PRODUCTS, SITES } from './catalog.js';
export type { Account, CatalogProduct, ProductType, Site } from './catalog.js';
export { WixSandboxClient } from './client.js';
export type { WixCallOptions, WixCallResult } from './client.js';
