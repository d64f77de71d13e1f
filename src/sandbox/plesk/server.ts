/**
 * The Plesk sandbox's HTTP side: `POST /enterprise/control/agent.php` (every answer HTTP 200 with a `<packet>`,
 * §6.6), the control API under `/__sandbox/` (header `KEY: <secretKey>`), the request log and programmable faults
 * (the shared `src/sandbox/faults.ts` rules, applied to every non-control request).
 *
 * Checks on agent.php, in this order (§6.1; the version can only be read from a well-formed packet):
 * 1. well-formed, no DOCTYPE/ENTITY, root `<packet>` → else `system` 1014;
 * 2. protocol version (absent = newest; a prefix such as `1.6` = newest match, §1.5) → else 1005 with `<output>`;
 * 3. authentication: `KEY` alone (bad → 11003) or `HTTP_AUTH_LOGIN` + `HTTP_AUTH_PASSWD` (bad → 1001); none,
 *    an incomplete pair, or both methods at once → 1029;
 * 4. schema (element order, one filter kind, known operators/operations, `id_type` values) → 1014;
 * 5. execution, one result per filter value.
 */
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { createServer } from 'node:http';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { FaultRuleError, FaultRuleSet, FaultTimers, deliverFault, sendPrepared, validateFaultRule } from '../faults.js';
import type { FaultDialect, PreparedResponse } from '../faults.js';
import { DEFAULT_BEHAVIOUR, SystemFault, execute, packet, systemError } from './agent.js';
import type { PleskSandboxBehaviour } from './agent.js';
import { DEFAULT_SUPPORTED_VERSIONS, PLESK_DEMO } from './fixtures.js';
import { PacketRejected, readPacket, readTree, summarize } from './request.js';
import type { RecordedOperation, XNode } from './request.js';
import { PleskStore } from './store.js';

export const AGENT_PATH = '/enterprise/control/agent.php';
const CONTROL_PREFIX = '/__sandbox';
const MAX_REQUEST_BYTES = 1024 * 1024;
const XML_TYPE = 'text/xml; charset=UTF-8';

export interface PleskSandboxOptions {
  /** Default 127.0.0.1. */
  host?: string;
  /** Default 0 (a free port). */
  port?: number;
  /** Administrator login; default `admin`. */
  login?: string;
  /** Administrator password; default random. */
  password?: string;
  /** Secret key (`KEY` header) for agent.php and the control API; default random. */
  secretKey?: string;
  /** Load PLESK_DEMO; default true. */
  seed?: boolean;
  /** Protocol versions served, in the order `get_protos` lists them; default DEFAULT_SUPPORTED_VERSIONS. */
  supportedVersions?: string[];
  /** Undocumented Plesk behaviour, see PleskSandboxBehaviour. */
  behaviour?: Partial<PleskSandboxBehaviour>;
}

export interface RecordedPleskRequest {
  seq: number;
  at: string;
  method: string;
  path: string;
  /** Lower-cased request headers; the values of `http_auth_passwd` and `key` are replaced by `[redacted]`. */
  headers: Record<string, string>;
  body: string;
  /** Which credential headers came: the gateway must send exactly one method. */
  auth: 'login' | 'key' | 'both' | 'none';
  /** `<packet version>` as sent (null = absent). */
  version: string | null;
  /** Operators and operations with their filter kind and values, read leniently (also for rejected packets). */
  operations: RecordedOperation[];
  /** HTTP status sent; null while pending or when a fault sent none (reset, hang). */
  status: number | null;
  /** errcode of a packet-level `<system>` error, if the answer was one. */
  systemErrcode: number | null;
  /** Kind of the fault applied, if any. */
  fault: string | null;
}

export interface PleskSandbox {
  url: string;
  login: string;
  password: string;
  secretKey: string;
  requests: RecordedPleskRequest[];
  clearRequests(): void;
  faults: FaultRuleSet;
  /** Current behaviour switches; change them directly or with `POST /__sandbox/behaviour`. */
  behaviour: PleskSandboxBehaviour;
  store: PleskStore;
  /** Reloads the demo data and clears requests, faults and behaviour changes. */
  reset(): void;
  close(): Promise<void>;
}

const digest = (s: string): Buffer => createHash('sha256').update(s, 'utf8').digest();
const sameSecret = (a: string, b: string): boolean => timingSafeEqual(digest(a), digest(b));

function numeric(a: string, b: string): number {
  const pa = a.split('.').map(Number);
  const pb = b.split('.').map(Number);
  for (let i = 0; i < Math.max(pa.length, pb.length); i += 1) {
    const d = (pa[i] ?? 0) - (pb[i] ?? 0);
    if (d !== 0) return d;
  }
  return 0;
}

/** Absent → newest; exact; a prefix → the newest version it prefixes; otherwise null (→ 1005). */
function resolveVersion(supported: readonly string[], requested: string | undefined): string | null {
  const newest = [...supported].sort(numeric).at(-1) ?? null;
  if (requested === undefined) return newest;
  if (supported.includes(requested)) return requested;
  return [...supported].filter((v) => v.startsWith(`${requested}.`)).sort(numeric).at(-1) ?? null;
}

function header(req: IncomingMessage, name: string): string | undefined {
  const v = req.headers[name];
  return Array.isArray(v) ? v.join(', ') : v;
}

const PLESK_DIALECT: FaultDialect = {
  contentType: XML_TYPE,
  // What answers when agent.php does not: a proxy's or the restarting panel's HTML page (§6.6).
  statusBody: (status) => `<html><head><title>${status}</title></head><body><h1>${status}</h1><p>The server is unable to process the request.</p></body></html>`,
  truncatedBody: '<?xml version="1.0" encoding="UTF-8"?>\n<packet version="1.6.9.1"><webspace><get><result><status>ok</status>',
  sampleBody: packet(
    '1.6.9.1',
    '<webspace><get><result><status>error</status><errcode>1013</errcode><errtext>Subscription does not exist</errtext><filter-id>9999</filter-id></result></get></webspace>',
  ),
  pad(base, bytes) {
    const body = base ?? this.sampleBody;
    const room = bytes - Buffer.byteLength(body) - '<!---->'.length;
    // A comment after the root element keeps the document well-formed.
    return room > 0 ? `${body}<!--${'x'.repeat(room)}-->` : body;
  },
};

export async function startPleskSandbox(options: PleskSandboxOptions = {}): Promise<PleskSandbox> {
  const login = options.login ?? 'admin';
  const password = options.password ?? randomBytes(18).toString('base64url');
  const secretKey = options.secretKey ?? randomBytes(24).toString('base64url');
  const supportedVersions = [...(options.supportedVersions ?? DEFAULT_SUPPORTED_VERSIONS)];
  const initialBehaviour: PleskSandboxBehaviour = { ...DEFAULT_BEHAVIOUR, ...options.behaviour };
  const store = new PleskStore(options.seed ?? true);
  const faults = new FaultRuleSet();
  const timers = new FaultTimers();
  const requests: RecordedPleskRequest[] = [];
  let seq = 0;

  const sandbox: PleskSandbox = {
    url: '',
    login,
    password,
    secretKey,
    requests,
    faults,
    behaviour: { ...initialBehaviour },
    store,
    clearRequests: () => {
      requests.length = 0;
    },
    reset: () => {
      store.reset();
      faults.clear();
      requests.length = 0;
      sandbox.behaviour = { ...initialBehaviour };
    },
    close: async () => {
      timers.close();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };

  /** Answers one agent.php packet; always HTTP 200 with XML. */
  function answerPacket(req: IncomingMessage, body: string, record: RecordedPleskRequest): PreparedResponse {
    const ok = (xml: string): PreparedResponse => ({ status: 200, body: xml });
    const system = (errcode: number, errtext: string, version: string | null, output = false): PreparedResponse => {
      record.systemErrcode = errcode;
      return ok(systemError(errcode, errtext, version, output));
    };
    let tree: XNode;
    try {
      tree = readTree(body);
    } catch (error) {
      if (error instanceof PacketRejected) return system(1014, error.errtext, null);
      throw error;
    }
    record.operations = summarize(tree);
    const requested = tree.name === 'packet' ? tree.attrs['version'] : undefined;
    record.version = requested ?? null;
    if (tree.name !== 'packet') {
      return system(1014, `Parser error: Request is invalid. Error in line ${tree.line}: Element '${tree.name}': No matching global declaration available for the validation root.`, null);
    }
    const version = resolveVersion(supportedVersions, requested);
    if (version === null) return system(1005, 'XML API version not supported.', null, true);

    const key = header(req, 'key');
    const user = header(req, 'http_auth_login');
    const pass = header(req, 'http_auth_passwd');
    if (key !== undefined && (user !== undefined || pass !== undefined)) return system(1029, 'Unknown authentication method.', version);
    if (key !== undefined) {
      if (!sameSecret(key, secretKey)) return system(11003, 'Secret key validation failed.', version);
    } else if (user !== undefined && pass !== undefined) {
      // Compare both, always, so that timing does not tell a wrong login from a wrong password.
      const loginOk = sameSecret(user, login);
      const passOk = sameSecret(pass, password);
      if (!(loginOk && passOk)) return system(1001, 'Authentication failed - wrong password.', version);
    } else {
      return system(1029, 'Unknown authentication method.', version);
    }

    try {
      const blocks = readPacket(tree);
      const caller = store.users.get(Number(PLESK_DEMO.admin.id))!;
      return ok(packet(version, execute(blocks, { store, behaviour: sandbox.behaviour, caller, supportedVersions })));
    } catch (error) {
      if (error instanceof PacketRejected) return system(1014, error.errtext, null);
      if (error instanceof SystemFault) return system(error.errcode, error.errtext, version);
      throw error;
    }
  }

  function answerAgent(req: IncomingMessage, path: string, body: string, record: RecordedPleskRequest): PreparedResponse {
    if (path !== AGENT_PATH) return { status: 404, headers: { 'content-type': 'text/plain; charset=utf-8' }, body: 'Not Found' };
    if (req.method !== 'POST') {
      return { status: 405, headers: { allow: 'POST', 'content-type': 'text/plain; charset=utf-8' }, body: 'Method Not Allowed' };
    }
    return answerPacket(req, body, record);
  }

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://sandbox.invalid');
    const path = url.pathname;
    const method = (req.method ?? 'GET').toUpperCase();
    const raw = await readBody(req);
    if (raw === null) {
      res.writeHead(413, { 'content-type': 'text/plain; charset=utf-8', connection: 'close' });
      res.end('Payload Too Large');
      return;
    }
    if (path === CONTROL_PREFIX || path.startsWith(`${CONTROL_PREFIX}/`)) {
      control(req, res, path, method, raw);
      return;
    }

    const record: RecordedPleskRequest = {
      seq: (seq += 1),
      at: new Date().toISOString(),
      method,
      path,
      headers: redact(req.headers),
      body: raw,
      auth: authKind(req),
      version: null,
      operations: [],
      status: null,
      systemErrcode: null,
      fault: null,
    };
    requests.push(record);
    const onStatus = (status: number): void => {
      record.status = status;
    };
    const handleNow = async (): Promise<PreparedResponse> => answerAgent(req, path, raw, record);
    const rule = faults.take(method, path, raw);
    if (rule) {
      record.fault = rule.fault.kind;
      await deliverFault(rule, { res, dialect: PLESK_DIALECT, timers, onStatus, handle: handleNow });
      return;
    }
    const prepared = await handleNow();
    const { ['content-type']: type, ...rest } = prepared.headers ?? {};
    sendPrepared(res, { ...prepared, headers: rest }, type ?? XML_TYPE, onStatus);
  }

  function control(req: IncomingMessage, res: ServerResponse, path: string, method: string, raw: string): void {
    const json = (status: number, payload?: unknown): void => {
      if (payload === undefined) {
        res.writeHead(status);
        res.end();
        return;
      }
      const text = JSON.stringify(payload);
      res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'content-length': String(Buffer.byteLength(text)) });
      res.end(text);
    };
    const key = header(req, 'key');
    if (key === undefined || !sameSecret(key, secretKey)) return json(401, { error: 'missing or wrong KEY header' });
    const route = path.slice(CONTROL_PREFIX.length);
    const allow = (methods: string[]): boolean => {
      if (methods.includes(method)) return true;
      res.setHeader('allow', methods.join(', '));
      json(405, { error: 'method not allowed' });
      return false;
    };
    const body = (): unknown => {
      if (raw.trim() === '') return {};
      return JSON.parse(raw);
    };
    try {
      switch (route) {
        case '/requests':
          if (!allow(['GET', 'DELETE'])) return;
          if (method === 'DELETE') {
            requests.length = 0;
            return json(204);
          }
          return json(200, { requests });
        case '/faults':
          if (!allow(['GET', 'POST', 'DELETE'])) return;
          if (method === 'DELETE') {
            faults.clear();
            return json(204);
          }
          if (method === 'GET') return json(200, { faults: faults.list() });
          {
            const rule = validateFaultRule(body());
            faults.add(rule);
            return json(201, { rule });
          }
        case '/reset':
          if (!allow(['POST'])) return;
          sandbox.reset();
          return json(204);
        case '/state':
          if (!allow(['GET'])) return;
          return json(200, store.snapshot());
        case '/behaviour': {
          if (!allow(['GET', 'POST'])) return;
          if (method === 'POST') sandbox.behaviour = { ...sandbox.behaviour, ...checkBehaviour(body()) };
          return json(200, { behaviour: sandbox.behaviour });
        }
        default:
          return json(404, { error: 'unknown control route' });
      }
    } catch (error) {
      if (error instanceof FaultRuleError || error instanceof SyntaxError || error instanceof BehaviourError) {
        return json(400, { error: error.message });
      }
      throw error;
    }
  }

  const server: Server = createServer((req, res) => {
    handle(req, res).catch(() => {
      if (!res.headersSent) {
        res.writeHead(500, { 'content-type': 'text/plain; charset=utf-8' });
        res.end('sandbox error');
      } else res.destroy();
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, options.host ?? '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
  const address = server.address() as AddressInfo;
  const host = address.family === 'IPv6' ? `[${address.address}]` : address.address;
  sandbox.url = `http://${host}:${address.port}`;
  return sandbox;
}

function readBody(req: IncomingMessage): Promise<string | null> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let tooLarge = false;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > MAX_REQUEST_BYTES) tooLarge = true;
      else chunks.push(chunk);
    });
    req.on('end', () => resolve(tooLarge ? null : Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

const SECRET_HEADERS = new Set(['http_auth_passwd', 'key', 'authorization']);

function redact(headers: IncomingMessage['headers']): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers)) {
    if (value === undefined) continue;
    out[name] = SECRET_HEADERS.has(name) ? '[redacted]' : Array.isArray(value) ? value.join(', ') : value;
  }
  return out;
}

function authKind(req: IncomingMessage): RecordedPleskRequest['auth'] {
  const key = req.headers['key'] !== undefined;
  const pair = req.headers['http_auth_login'] !== undefined || req.headers['http_auth_passwd'] !== undefined;
  if (key && pair) return 'both';
  if (key) return 'key';
  return pair ? 'login' : 'none';
}

class BehaviourError extends Error {}

function checkBehaviour(input: unknown): Partial<PleskSandboxBehaviour> {
  if (typeof input !== 'object' || input === null || Array.isArray(input)) throw new BehaviourError('behaviour must be an object');
  const b = input as Record<string, unknown>;
  const out: Partial<PleskSandboxBehaviour> = {};
  const oneOf = <T extends string>(name: string, values: readonly T[]): T | undefined => {
    const v = b[name];
    if (v === undefined) return undefined;
    if (typeof v !== 'string' || !values.includes(v as T)) throw new BehaviourError(`${name} must be one of ${values.join(', ')}`);
    return v as T;
  };
  const code = (name: string): number | undefined => {
    const v = b[name];
    if (v === undefined) return undefined;
    if (typeof v !== 'number' || !Number.isInteger(v) || v < 1) throw new BehaviourError(`${name} must be a positive integer`);
    return v;
  };
  for (const name of Object.keys(b)) {
    if (!(name in DEFAULT_BEHAVIOUR)) throw new BehaviourError(`unknown behaviour ${name}`);
  }
  const unattachedRemove = oneOf('unattachedRemove', ['error-1023', 'error-1013', 'ok'] as const);
  const emptyMutationFilter = oneOf('emptyMutationFilter', ['all', 'reject'] as const);
  const missingValue = oneOf('missingValue', ['error', 'omit'] as const);
  const resultOrder = oneOf('resultOrder', ['request', 'reverse'] as const);
  const duplicateAddErrcode = code('duplicateAddErrcode');
  const customAddErrcode = code('customAddErrcode');
  if (unattachedRemove) out.unattachedRemove = unattachedRemove;
  if (emptyMutationFilter) out.emptyMutationFilter = emptyMutationFilter;
  if (missingValue) out.missingValue = missingValue;
  if (resultOrder) out.resultOrder = resultOrder;
  if (duplicateAddErrcode !== undefined) out.duplicateAddErrcode = duplicateAddErrcode;
  if (customAddErrcode !== undefined) out.customAddErrcode = customAddErrcode;
  return out;
}
