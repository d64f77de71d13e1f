// A small client for a running sandbox (same or another process): raw API calls with the right headers, plus
// the /__sandbox control API. Used by tests and benchmarks; the gateway has its own, independent Wix client.
import { request } from 'undici';
import type { FaultRule } from '../faults.js';
import { WIX_DEMO } from './demo.js';
import type { RecordedRequest } from './server.js';
import type { FailureReason, InstanceStatus, Package } from './types.js';

export interface WixCallOptions {
  /** JSON-encoded and sent with content-type application/json. */
  body?: unknown;
  /** Sent verbatim instead of `body` (e.g. malformed JSON). */
  rawBody?: string;
  /** Extra/override headers; a value of undefined removes a default header (authorization, wix-account-id). */
  headers?: Record<string, string | undefined>;
  /** wix-account-id; default WIX_DEMO.accountId (or the client's default); null sends no header. */
  accountId?: string | null;
  query?: Record<string, string>;
}

export interface WixCallResult<T = any> {
  status: number;
  headers: Record<string, string>;
  /** Parsed JSON, or the raw text when the body is not JSON. */
  body: T;
  text: string;
  requestId: string | undefined;
}

export class WixSandboxClient {
  readonly url: string;
  readonly apiKey: string;
  readonly defaultAccountId: string;

  constructor(url: string, apiKey: string, defaultAccountId: string = WIX_DEMO.accountId) {
    this.url = url.replace(/\/$/, '');
    this.apiKey = apiKey;
    this.defaultAccountId = defaultAccountId;
  }

  async call<T = any>(method: string, path: string, opts: WixCallOptions = {}): Promise<WixCallResult<T>> {
    const headers: Record<string, string | undefined> = { authorization: this.apiKey };
    const account = opts.accountId === undefined ? this.defaultAccountId : opts.accountId;
    if (account !== null) headers['wix-account-id'] = account;
    let payload: string | undefined;
    if (opts.rawBody !== undefined) payload = opts.rawBody;
    else if (opts.body !== undefined) payload = JSON.stringify(opts.body);
    if (payload !== undefined) headers['content-type'] = 'application/json';
    Object.assign(headers, opts.headers);
    const clean: Record<string, string> = {};
    for (const [k, v] of Object.entries(headers)) if (v !== undefined) clean[k] = v;

    const qs = opts.query ? `?${new URLSearchParams(opts.query).toString()}` : '';
    const res = await request(`${this.url}${path}${qs}`, {
      method: method as 'GET',
      headers: clean,
      ...(payload !== undefined ? { body: payload } : {}),
    });
    const text = await res.body.text();
    let body: unknown = text;
    try {
      body = JSON.parse(text);
    } catch {
      // not JSON: keep the text
    }
    const flat: Record<string, string> = {};
    for (const [k, v] of Object.entries(res.headers)) if (v !== undefined) flat[k] = Array.isArray(v) ? v.join(', ') : v;
    return { status: res.statusCode, headers: flat, body: body as T, text, requestId: flat['x-wix-request-id'] };
  }

  async #control<T>(method: string, path: string, body?: unknown): Promise<T> {
    const res = await this.call<T>(method, `/__sandbox${path}`, { accountId: null, ...(body !== undefined ? { body } : {}) });
    if (res.status !== 200) throw new Error(`sandbox control ${method} ${path} failed: ${res.status} ${res.text}`);
    return res.body;
  }

  requests(): Promise<RecordedRequest[]> {
    return this.#control('GET', '/requests');
  }

  async clearRequests(): Promise<void> {
    await this.#control('DELETE', '/requests');
  }

  async addFault(rule: FaultRule): Promise<void> {
    await this.#control('POST', '/faults', rule);
  }

  async clearFaults(): Promise<void> {
    await this.#control('DELETE', '/faults');
  }

  async reset(): Promise<void> {
    await this.#control('POST', '/reset');
  }

  async setInstanceStatus(instanceId: string, status: InstanceStatus, failure?: FailureReason): Promise<Package> {
    const res = await this.#control<{ package: Package }>('POST', `/instances/${encodeURIComponent(instanceId)}/status`, { status, ...(failure ? { failure } : {}) });
    return res.package;
  }
}
