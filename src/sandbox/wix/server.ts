// HTTP front of the Wix Resellers sandbox: header checks, request log, faults, control API, lifecycle.
import { randomBytes, timingSafeEqual } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import {
  deliverFault,
  FaultRuleError,
  FaultRuleSet,
  FaultTimers,
  sendPrepared,
  validateFaultRule,
  type FaultController,
  type FaultRule,
  type PreparedResponse,
} from '../faults.js';
import { applicationError, genericErrorBody, systemErrorBody, validationError, violation, WixApiError } from './errors.js';
import { JSON_CONTENT_TYPE, WIX_FAULT_DIALECT } from './faults.js';
import { CursorCodec } from './query.js';
import { matchRoute, type Route, type RouteContext } from './routes.js';
import { WixStore } from './store.js';
import { FAILURE_CODES, INSTANCE_STATUSES, type FailureCode, type FailureReason, type InstanceStatus, type Package } from './types.js';
import { isRecord, parseIdempotencyKey, type Json } from './validate.js';

export interface WixSandboxOptions {
  host?: string; // default '127.0.0.1' (loopback only)
  port?: number; // default 0 (random free port)
  apiKey?: string; // default: random, generated at start
  seed?: boolean; // default true: load demo packages (accounts, sites and catalog always exist)
  ownershipMismatchStatus?: 403 | 404; // default 404 (§11 item 7)
  dedupeIdempotencyKeys?: boolean; // default false (§11 item 6)
  autoActivateAfterMs?: number; // default undefined: new instances stay PENDING
  rateLimitPerMinute?: number; // default undefined: no 429s
  /** Extra: Retry-After seconds on rate-limit 429s; default none (no headers are documented, §6.4). */
  rateLimitRetryAfterSeconds?: number;
  /** Extra: answer when both wix-account-id and wix-site-id are sent (§3 "may result in an error"); default 400. */
  bothScopeHeadersStatus?: 400 | 403 | 'allow';
  /** Extra: serve deprecated Create V1 at POST /resellers/v1/packages (§4.1); default true. */
  serveV1Create?: boolean;
  /** Extra: request bodies above this are answered 413; default 10 MiB. */
  maxBodyBytes?: number;
}

export interface RecordedRequest {
  method: string;
  path: string;
  query: Record<string, string>;
  headers: Record<string, string>;
  body: unknown; // parsed JSON; the raw text when it is not JSON; undefined when empty
  status: number; // 0 until (or if never) a status line is sent
  at: number; // arrival, epoch ms
  /** Extra: the x-wix-request-id sent back. */
  requestId: string;
}

export interface WixSandbox {
  url: string;
  apiKey: string;
  requests: RecordedRequest[];
  clearRequests(): void;
  faults: FaultController & { list(): FaultRule[] };
  reset(): void;
  close(): Promise<void>;
  /** Extra: force a status transition Wix would make on its own (PENDING → ENABLED / FAILED / AWAITING_ACTION). */
  setInstanceStatus(instanceId: string, status: InstanceStatus, failure?: FailureReason): Package;
  /** Extra: a package by id regardless of owner (deep copy), for assertions. */
  getPackage(id: string): Package | undefined;
  /** Extra: every package (deep copies). */
  listPackages(): Package[];
}

const CONTROL_PREFIX = '/__sandbox';

/** Sliding one-minute window over accepted API requests (§6.4; optional, §10 item 9). */
class RateLimiter {
  #hits: number[] = [];
  readonly perMinute: number;
  constructor(perMinute: number) {
    this.perMinute = perMinute;
  }
  allow(now: number): boolean {
    while (this.#hits.length > 0 && this.#hits[0]! <= now - 60_000) this.#hits.shift();
    if (this.#hits.length >= this.perMinute) return false;
    this.#hits.push(now);
    return true;
  }
  clear(): void {
    this.#hits = [];
  }
}

function flattenHeaders(req: IncomingMessage): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(req.headers)) {
    if (v !== undefined) out[k] = Array.isArray(v) ? v.join(', ') : v;
  }
  return out;
}

function header(req: IncomingMessage, name: string): string | undefined {
  const v = req.headers[name];
  return Array.isArray(v) ? v[0] : v;
}

function safeEqual(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

async function readBody(req: IncomingMessage, max: number): Promise<{ raw: Buffer; tooLarge: boolean }> {
  const chunks: Buffer[] = [];
  let size = 0;
  let tooLarge = false;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > max) tooLarge = true; // keep draining so the 413 can be written on a healthy socket
    else chunks.push(chunk as Buffer);
  }
  return { raw: Buffer.concat(chunks), tooLarge };
}

/** Canonical JSON for idempotency fingerprints (key order independent). */
function canonical(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(canonical).join(',')}]`;
  if (isRecord(v)) {
    return `{${Object.keys(v)
      .filter((k) => v[k] !== undefined)
      .sort()
      .map((k) => `${JSON.stringify(k)}:${canonical(v[k])}`)
      .join(',')}}`;
  }
  return JSON.stringify(v) ?? 'null';
}

function json(status: number, body: unknown, headers?: Record<string, string>): PreparedResponse {
  return { status, body: JSON.stringify(body), ...(headers ? { headers } : {}) };
}

function errorResponse(e: WixApiError): PreparedResponse {
  return json(e.status, e.body);
}

export async function startWixSandbox(options: WixSandboxOptions = {}): Promise<WixSandbox> {
  const host = options.host ?? '127.0.0.1';
  const apiKey = options.apiKey ?? randomBytes(24).toString('hex');
  const maxBodyBytes = options.maxBodyBytes ?? 10 * 1024 * 1024;
  const bothHeaders = options.bothScopeHeadersStatus ?? 400;
  const serveV1Create = options.serveV1Create ?? true;

  const store = new WixStore({
    seed: options.seed ?? true,
    ownershipMismatchStatus: options.ownershipMismatchStatus ?? 404,
    ...(options.autoActivateAfterMs !== undefined ? { autoActivateAfterMs: options.autoActivateAfterMs } : {}),
  });
  const cursors = new CursorCodec();
  const faults = new FaultRuleSet();
  const timers = new FaultTimers();
  const limiter = options.rateLimitPerMinute !== undefined ? new RateLimiter(options.rateLimitPerMinute) : undefined;
  /** `${account}|${route}|${key}` → stored answer (dedupe mode only; §11 item 6). */
  const idempotency = new Map<string, { fingerprint: string; response: PreparedResponse }>();
  const requests: RecordedRequest[] = [];

  function reset(): void {
    store.reset();
    requests.length = 0;
    faults.clear();
    idempotency.clear();
    limiter?.clear();
  }

  /** The API proper: everything after transport faults. Never throws. */
  function answer(method: string, url: URL, req: IncomingMessage, raw: Buffer): PreparedResponse {
    const matched = matchRoute(method, url.pathname, { serveV1Create });
    if (!matched) {
      return errorResponse(applicationError(404, 'NOT_FOUND', `No route for ${method} ${url.pathname}`));
    }
    if (limiter && !limiter.allow(Date.now())) {
      const retry = options.rateLimitRetryAfterSeconds;
      return json(429, genericErrorBody(429), retry !== undefined ? { 'retry-after': String(retry) } : undefined);
    }
    // §3: the raw key, no "Bearer" prefix; anything else is 401.
    const auth = header(req, 'authorization');
    if (auth === undefined || !safeEqual(auth, apiKey)) {
      return errorResponse(applicationError(401, 'UNAUTHENTICATED', 'Missing or invalid API key'));
    }
    const accountHeader = header(req, 'wix-account-id');
    const siteHeader = header(req, 'wix-site-id');
    if (accountHeader !== undefined && siteHeader !== undefined && bothHeaders !== 'allow') {
      return errorResponse(applicationError(bothHeaders, 'INVALID_ARGUMENT', 'Send either wix-account-id or wix-site-id, not both'));
    }
    // Missing account header: 403, the "missing/wrong scope header" row of §3 (account-level APIs need it, §11 item 9).
    if (accountHeader === undefined || accountHeader === '') {
      return errorResponse(applicationError(403, 'PERMISSION_DENIED', 'This account-level API requires the wix-account-id header'));
    }
    // Unknown account → 404 ACCOUNT_NOT_FOUND on every method (documented on Create/Adjust/Unassign, §3).
    const account = store.account(accountHeader);
    if (!account) {
      return errorResponse(applicationError(404, 'ACCOUNT_NOT_FOUND', `Account ${accountHeader} not found`, { accountId: accountHeader }));
    }

    let body: Json = {};
    if (raw.length > 0 && method !== 'GET') {
      let parsed: unknown;
      try {
        parsed = JSON.parse(raw.toString('utf8'));
      } catch {
        return errorResponse(validationError([violation('body', 'request body is not valid JSON', 'FORMAT', { format: 'JSON' })]));
      }
      if (!isRecord(parsed)) return errorResponse(validationError([violation('body', 'request body must be a JSON object', 'FORMAT')]));
      body = parsed;
    }
    const query = Object.fromEntries(url.searchParams);
    const ctx: RouteContext = { accountId: account.id, params: matched.params, body, query, store, cursors };

    try {
      const dedupe = options.dedupeIdempotencyKeys === true && matched.route.mutation;
      const key = dedupe ? parseIdempotencyKey(body, query) : undefined;
      if (dedupe && key !== undefined) return replayOrRun(matched.route, account.id, key, ctx);
      return json(200, matched.route.run(ctx));
    } catch (e) {
      if (e instanceof WixApiError) return errorResponse(e);
      console.error('[wix-sandbox] unexpected error', e);
      return json(500, systemErrorBody());
    }
  }

  /**
   * Dedupe mode: same key + same request → the stored answer, no second state change; same key + different
   * request → 409 ALREADY_EXISTS. Only successes are stored, so a failed write can be retried with its key.
   */
  function replayOrRun(route: Route, accountId: string, key: string, ctx: RouteContext): PreparedResponse {
    const slot = `${accountId}|${route.name}|${key}`;
    const { idempotencyKey: _k, ...rest } = ctx.body;
    const fingerprint = canonical({ params: ctx.params, body: rest });
    const seen = idempotency.get(slot);
    if (seen) {
      if (seen.fingerprint === fingerprint) return seen.response;
      throw applicationError(409, 'ALREADY_EXISTS', `idempotencyKey ${key} was already used for a different request`, { idempotencyKey: key });
    }
    const response = json(200, route.run(ctx));
    idempotency.set(slot, { fingerprint, response });
    return response;
  }

  function control(method: string, url: URL, req: IncomingMessage, raw: Buffer): PreparedResponse {
    const auth = header(req, 'authorization');
    if (auth === undefined || !safeEqual(auth, apiKey)) return json(401, genericErrorBody(401));
    const path = url.pathname.slice(CONTROL_PREFIX.length);
    let body: unknown;
    try {
      body = raw.length > 0 ? JSON.parse(raw.toString('utf8')) : undefined;
    } catch {
      return json(400, { message: 'body is not valid JSON' });
    }
    if (path === '/requests' && method === 'GET') return json(200, requests);
    if (path === '/requests' && method === 'DELETE') {
      requests.length = 0;
      return json(200, {});
    }
    if (path === '/faults' && method === 'GET') return json(200, faults.list());
    if (path === '/faults' && method === 'POST') {
      try {
        faults.add(validateFaultRule(body));
      } catch (e) {
        if (e instanceof FaultRuleError) return json(400, { message: e.message });
        throw e;
      }
      return json(200, {});
    }
    if (path === '/faults' && method === 'DELETE') {
      faults.clear();
      return json(200, {});
    }
    if (path === '/reset' && method === 'POST') {
      reset();
      return json(200, {});
    }
    const m = /^\/instances\/([^/]+)\/status$/.exec(path);
    if (m && method === 'POST') {
      const status = isRecord(body) ? body['status'] : undefined;
      const failure = isRecord(body) && isRecord(body['failure']) ? body['failure'] : undefined;
      if (typeof status !== 'string' || !INSTANCE_STATUSES.includes(status as InstanceStatus)) {
        return json(400, { message: `status must be one of ${INSTANCE_STATUSES.join(', ')}` });
      }
      const reason: FailureReason | undefined =
        failure && FAILURE_CODES.includes(failure['code'] as FailureCode)
          ? { code: failure['code'] as FailureCode, message: String(failure['message'] ?? '') }
          : undefined;
      try {
        return json(200, { package: store.setInstanceStatus(decodeURIComponent(m[1]!), status as InstanceStatus, reason) });
      } catch (e) {
        return json(404, { message: (e as Error).message });
      }
    }
    const pm = /^\/packages\/([^/]+)$/.exec(path);
    if (pm && method === 'GET') {
      const pkg = store.peek(decodeURIComponent(pm[1]!));
      return pkg ? json(200, { package: pkg }) : json(404, { message: 'not found' });
    }
    return json(404, { message: `No control route for ${method} ${url.pathname}` });
  }

  async function onRequest(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const at = Date.now();
    const requestId = `${at}.${randomBytes(10).toString('hex')}`;
    res.setHeader('x-wix-request-id', requestId); // on every response, errors and faults included (§3, §10 item 3)
    const method = (req.method ?? 'GET').toUpperCase();
    const url = new URL(req.url ?? '/', 'http://sandbox.invalid');

    if (url.pathname === CONTROL_PREFIX || url.pathname.startsWith(`${CONTROL_PREFIX}/`)) {
      const { raw, tooLarge } = await readBody(req, maxBodyBytes);
      const answerControl = tooLarge ? json(413, { message: 'body too large' }) : control(method, url, req, raw);
      sendPrepared(res, answerControl, JSON_CONTENT_TYPE, () => {});
      return;
    }

    const record: RecordedRequest = {
      method,
      path: url.pathname,
      query: Object.fromEntries(url.searchParams),
      headers: flattenHeaders(req),
      body: undefined,
      status: 0,
      at,
      requestId,
    };
    requests.push(record); // pushed on arrival so the log keeps arrival order
    const { raw, tooLarge } = await readBody(req, maxBodyBytes);
    if (raw.length > 0) {
      const text = raw.toString('utf8');
      try {
        record.body = JSON.parse(text);
      } catch {
        record.body = text;
      }
    }
    const onStatus = (s: number): void => {
      record.status = s;
    };
    const handle = async (): Promise<PreparedResponse> =>
      tooLarge ? json(413, genericErrorBody(413)) : answer(method, url, req, raw);

    const rule = faults.take(method, url.pathname, raw.toString('utf8'));
    if (rule) {
      await deliverFault(rule, { res, dialect: WIX_FAULT_DIALECT, timers, onStatus, handle });
      return;
    }
    sendPrepared(res, await handle(), JSON_CONTENT_TYPE, onStatus);
  }

  const server = createServer((req, res) => {
    onRequest(req, res).catch((e: unknown) => {
      console.error('[wix-sandbox] request failed', e);
      if (!res.headersSent && !res.destroyed) sendPrepared(res, json(500, systemErrorBody()), JSON_CONTENT_TYPE, () => {});
      else res.destroy();
    });
  });

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const address = server.address() as AddressInfo;
  const urlHost = address.family === 'IPv6' ? `[${address.address}]` : address.address;

  let closing: Promise<void> | undefined;
  return {
    url: `http://${urlHost}:${address.port}`,
    apiKey,
    requests,
    clearRequests: () => {
      requests.length = 0;
    },
    faults,
    reset,
    close: () => {
      closing ??= new Promise<void>((resolve) => {
        timers.close(); // pending latency/drip work never resumes
        server.close(() => resolve());
        server.closeAllConnections(); // hung and dripping sockets included
      });
      return closing;
    },
    setInstanceStatus: (instanceId, status, failure) => store.setInstanceStatus(instanceId, status, failure),
    getPackage: (id) => store.peek(id),
    listPackages: () => store.all(),
  };
}
