// Programmable transport faults for the embedded sandboxes (Wix, Plesk, ...).
// Generic on purpose: a rule is "a request matcher + a fault"; everything upstream-specific (content type, the
// default error body, how to pad a body) comes in through a FaultDialect supplied by the sandbox that uses it.
import type { ServerResponse } from 'node:http';

export type Fault =
  | { kind: 'latency'; ms: number } // delay, then answer normally
  | { kind: 'status'; status: number; body?: unknown; headers?: Record<string, string> }
  | { kind: 'reset' } // destroy the socket before any response
  | { kind: 'reset-mid-body' } // headers + part of the body, then destroy
  | { kind: 'malformed'; body?: string } // 200 with an unparsable body
  | { kind: 'hang' } // never answer (until the server closes)
  | { kind: 'drip'; intervalMs: number; bytes?: number } // a valid body, `bytes` (default 1) per interval
  | { kind: 'oversized'; bytes: number } // 200 with a syntactically valid body of that many bytes
  | { kind: 'redirect'; location: string; status?: 301 | 302 | 307 | 308 };

export interface FaultRule {
  method?: string;
  pathPrefix?: string;
  /** Only requests whose body contains this text (e.g. one Plesk operation among several). */
  bodyIncludes?: string;
  /** How many matching requests get the fault; default unlimited. */
  times?: number;
  fault: Fault;
  /** Perform the request (state change included) first, then apply the fault instead of the real answer. */
  applyAfterHandling?: boolean;
}

export interface FaultController {
  add(rule: FaultRule): void;
  clear(): void;
}

/** Thrown by validateFaultRule; the control APIs turn it into a 400. */
export class FaultRuleError extends Error {
  override name = 'FaultRuleError';
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function nonNegativeInt(v: unknown, what: string): number {
  if (typeof v !== 'number' || !Number.isInteger(v) || v < 0) throw new FaultRuleError(`${what} must be an integer >= 0`);
  return v;
}

function positiveInt(v: unknown, what: string): number {
  if (typeof v !== 'number' || !Number.isInteger(v) || v < 1) throw new FaultRuleError(`${what} must be an integer >= 1`);
  return v;
}

function stringMap(v: unknown, what: string): Record<string, string> {
  if (!isRecord(v)) throw new FaultRuleError(`${what} must be an object of strings`);
  const out: Record<string, string> = {};
  for (const [k, val] of Object.entries(v)) {
    if (typeof val !== 'string') throw new FaultRuleError(`${what}.${k} must be a string`);
    out[k] = val;
  }
  return out;
}

function validateFault(f: unknown): Fault {
  if (!isRecord(f)) throw new FaultRuleError('fault must be an object');
  switch (f['kind']) {
    case 'latency':
      return { kind: 'latency', ms: nonNegativeInt(f['ms'], 'fault.ms') };
    case 'status': {
      const status = f['status'];
      if (typeof status !== 'number' || !Number.isInteger(status) || status < 100 || status > 599) {
        throw new FaultRuleError('fault.status must be an HTTP status code');
      }
      const out: Fault = { kind: 'status', status };
      if (f['body'] !== undefined) out.body = f['body'];
      if (f['headers'] !== undefined) out.headers = stringMap(f['headers'], 'fault.headers');
      return out;
    }
    case 'reset':
    case 'reset-mid-body':
    case 'hang':
      return { kind: f['kind'] };
    case 'malformed': {
      if (f['body'] !== undefined && typeof f['body'] !== 'string') throw new FaultRuleError('fault.body must be a string');
      return typeof f['body'] === 'string' ? { kind: 'malformed', body: f['body'] } : { kind: 'malformed' };
    }
    case 'drip': {
      const out: Fault = { kind: 'drip', intervalMs: nonNegativeInt(f['intervalMs'], 'fault.intervalMs') };
      if (f['bytes'] !== undefined) out.bytes = positiveInt(f['bytes'], 'fault.bytes');
      return out;
    }
    case 'oversized':
      return { kind: 'oversized', bytes: positiveInt(f['bytes'], 'fault.bytes') };
    case 'redirect': {
      if (typeof f['location'] !== 'string' || f['location'] === '') throw new FaultRuleError('fault.location must be a string');
      const status = f['status'];
      if (status === undefined) return { kind: 'redirect', location: f['location'] };
      if (status !== 301 && status !== 302 && status !== 307 && status !== 308) {
        throw new FaultRuleError('fault.status must be one of 301, 302, 307, 308');
      }
      return { kind: 'redirect', location: f['location'], status };
    }
    default:
      throw new FaultRuleError(`unknown fault kind ${JSON.stringify(f['kind'])}`);
  }
}

/** Checks a rule (typed callers and JSON from a control API alike) and returns a clean copy. */
export function validateFaultRule(input: unknown): FaultRule {
  if (!isRecord(input)) throw new FaultRuleError('rule must be an object');
  const rule: FaultRule = { fault: validateFault(input['fault']) };
  if (input['method'] !== undefined) {
    if (typeof input['method'] !== 'string') throw new FaultRuleError('method must be a string');
    rule.method = input['method'].toUpperCase();
  }
  if (input['bodyIncludes'] !== undefined) {
    if (typeof input['bodyIncludes'] !== 'string') throw new FaultRuleError('bodyIncludes must be a string');
    rule.bodyIncludes = input['bodyIncludes'];
  }
  if (input['pathPrefix'] !== undefined) {
    if (typeof input['pathPrefix'] !== 'string') throw new FaultRuleError('pathPrefix must be a string');
    rule.pathPrefix = input['pathPrefix'];
  }
  if (input['times'] !== undefined) rule.times = positiveInt(input['times'], 'times');
  if (input['applyAfterHandling'] !== undefined) {
    if (typeof input['applyAfterHandling'] !== 'boolean') throw new FaultRuleError('applyAfterHandling must be a boolean');
    rule.applyAfterHandling = input['applyAfterHandling'];
  }
  return rule;
}

/** Ordered rule list; the first matching rule with uses left wins and consumes one use. */
export class FaultRuleSet implements FaultController {
  #rules: { rule: FaultRule; remaining: number }[] = [];

  add(rule: FaultRule): void {
    const clean = validateFaultRule(rule);
    this.#rules.push({ rule: clean, remaining: clean.times ?? Number.POSITIVE_INFINITY });
  }

  clear(): void {
    this.#rules = [];
  }

  /** Active rules with the uses they have left (`times` omitted when unlimited). */
  list(): FaultRule[] {
    return this.#rules.map(({ rule, remaining }) =>
      Number.isFinite(remaining) ? { ...rule, times: remaining } : { ...rule },
    );
  }

  take(method: string, path: string, body = ''): FaultRule | undefined {
    const m = method.toUpperCase();
    const i = this.#rules.findIndex(
      ({ rule }) =>
        (rule.method === undefined || rule.method === m) &&
        (rule.pathPrefix === undefined || path.startsWith(rule.pathPrefix)) &&
        (rule.bodyIncludes === undefined || body.includes(rule.bodyIncludes)),
    );
    if (i < 0) return undefined;
    const entry = this.#rules[i]!;
    entry.remaining -= 1;
    if (entry.remaining <= 0) this.#rules.splice(i, 1);
    return entry.rule;
  }
}

/** A fully computed answer, ready to be written or mangled by a fault. */
export interface PreparedResponse {
  status: number;
  headers?: Record<string, string>;
  body: string;
}

/** Upstream-specific pieces the fault delivery needs. */
export interface FaultDialect {
  contentType: string;
  /** Body of a `status` fault that brought none. */
  statusBody(status: number): string;
  /** Default body of a `malformed` fault when there is no real answer to truncate. */
  truncatedBody: string;
  /** Body whose first half `reset-mid-body` sends when the request was not handled. */
  sampleBody: string;
  /** A syntactically valid body of exactly `bytes` bytes (or as close as possible), built around `base` if given. */
  pad(base: string | undefined, bytes: number): string;
}

/** Tracks timers so close() can cancel pending latency/drip work; cancelled sleeps never resolve. */
export class FaultTimers {
  #timers = new Set<NodeJS.Timeout>();
  #closed = false;

  sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      if (this.#closed) return;
      const t = setTimeout(() => {
        this.#timers.delete(t);
        resolve();
      }, ms);
      this.#timers.add(t);
    });
  }

  /** Stops every pending timer (used by the sandbox's close()). */
  close(): void {
    this.#closed = true;
    for (const t of this.#timers) clearTimeout(t);
    this.#timers.clear();
  }
}

/** Writes a prepared answer. `onStatus` lets the caller log the status before the bytes leave. */
export function sendPrepared(res: ServerResponse, p: PreparedResponse, contentType: string, onStatus: (s: number) => void): void {
  onStatus(p.status);
  res.writeHead(p.status, {
    'content-type': contentType,
    ...p.headers,
    'content-length': String(Buffer.byteLength(p.body)),
  });
  res.end(p.body);
}

/** Does the rule need the real request to be processed before (or while) the fault is delivered? */
export function faultNeedsHandling(rule: FaultRule): boolean {
  return rule.applyAfterHandling === true || rule.fault.kind === 'latency' || rule.fault.kind === 'drip';
}

export interface DeliverContext {
  res: ServerResponse;
  dialect: FaultDialect;
  timers: FaultTimers;
  onStatus: (status: number) => void;
  /** Processes the request for real; called at most once, and only when the fault needs it. */
  handle: () => Promise<PreparedResponse>;
}

function destroySocket(res: ServerResponse): void {
  const socket = res.socket;
  if (!socket) return;
  // An RST (where supported) makes the client see a reset rather than a clean close.
  if (typeof socket.resetAndDestroy === 'function') socket.resetAndDestroy();
  else socket.destroy();
}

/**
 * Answers a request that matched `rule`. Semantics:
 * - latency: sleep then handle (or handle then sleep with applyAfterHandling), then answer normally;
 * - drip: always handles (it must send a valid body), then trickles it;
 * - every other kind replaces the answer; with applyAfterHandling the request is processed first.
 */
export async function deliverFault(rule: FaultRule, ctx: DeliverContext): Promise<void> {
  const { res, dialect, timers, onStatus } = ctx;
  const fault = rule.fault;
  const after = rule.applyAfterHandling === true;

  if (fault.kind === 'latency') {
    if (!after) await timers.sleep(fault.ms);
    const real = await ctx.handle();
    if (after) await timers.sleep(fault.ms);
    if (res.destroyed) return;
    sendPrepared(res, real, dialect.contentType, onStatus);
    return;
  }

  const real = after || fault.kind === 'drip' ? await ctx.handle() : undefined;
  if (res.destroyed) return;

  switch (fault.kind) {
    case 'status': {
      const body =
        fault.body === undefined ? dialect.statusBody(fault.status) : typeof fault.body === 'string' ? fault.body : JSON.stringify(fault.body);
      sendPrepared(res, { status: fault.status, body, ...(fault.headers ? { headers: fault.headers } : {}) }, dialect.contentType, onStatus);
      return;
    }
    case 'reset':
      destroySocket(res);
      return;
    case 'reset-mid-body': {
      const full = Buffer.from(real?.body ?? dialect.sampleBody);
      const part = full.subarray(0, Math.max(1, Math.floor(full.length / 2)));
      onStatus(200);
      res.writeHead(200, { 'content-type': dialect.contentType, 'content-length': String(full.length) });
      // Destroy only once the partial chunk is handed to the kernel, so the client really sees half a body.
      res.write(part, () => destroySocket(res));
      return;
    }
    case 'malformed': {
      let body = fault.body;
      if (body === undefined) {
        body = real ? real.body.slice(0, Math.max(1, Math.floor(real.body.length / 2))) : dialect.truncatedBody;
      }
      sendPrepared(res, { status: 200, body }, dialect.contentType, onStatus);
      return;
    }
    case 'hang':
      return; // the socket stays open until the server's close() tears it down
    case 'drip': {
      const full = Buffer.from(real!.body);
      const step = fault.bytes ?? 1;
      onStatus(real!.status);
      res.writeHead(real!.status, {
        'content-type': dialect.contentType,
        ...real!.headers,
        'content-length': String(full.length),
      });
      res.flushHeaders();
      for (let offset = 0; offset < full.length; offset += step) {
        await timers.sleep(fault.intervalMs);
        if (res.destroyed) return;
        res.write(full.subarray(offset, offset + step));
      }
      res.end();
      return;
    }
    case 'oversized':
      sendPrepared(res, { status: 200, body: dialect.pad(real?.body, fault.bytes) }, dialect.contentType, onStatus);
      return;
    case 'redirect': {
      sendPrepared(res, { status: fault.status ?? 302, headers: { location: fault.location }, body: '' }, dialect.contentType, onStatus);
      return;
    }
  }
}
