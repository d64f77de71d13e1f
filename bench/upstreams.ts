/**
 * The sandbox upstreams as the harness sees them: where `npm run sandbox` says they listen, the
 * gateway environment that points at them, their request logs (upstream calls per operation) and
 * the data the variants need.
 */
import { Pool } from 'undici';
import type { RecordedPleskRequest } from '../src/sandbox/plesk/index.js';
import { WIX_DEMO } from '../src/sandbox/wix/index.js';
import { DEFAULT_PROTOCOL_VERSION } from '../src/upstreams/plesk/packets.js';

export type UpstreamName = 'wix' | 'plesk';

export interface SandboxInfo {
  wix: { url: string; apiKey: string };
  /** Present when the sandbox process also runs the Plesk emulator. */
  plesk?: { url: string; secretKey: string };
}

/** Matches once the sandbox has printed its Wix block. */
export const SANDBOX_READY = /Wix Resellers sandbox\s*\n\s*url:\s*(http:\/\/\S+)/;

/** Reads the banner of `npm run sandbox` (src/sandbox/main.ts). */
export function parseSandboxBanner(text: string, wixApiKey: string): SandboxInfo {
  const wix = SANDBOX_READY.exec(text);
  if (!wix?.[1]) throw new Error('the sandbox printed no Wix URL');
  const info: SandboxInfo = { wix: { url: wix[1], apiKey: wixApiKey } };
  const plesk = /Plesk XML API sandbox\s*\n\s*url:\s*(http:\/\/\S+)[\s\S]*?\n\s*key:\s*(\S+)/.exec(text);
  if (plesk?.[1] && plesk[2]) info.plesk = { url: plesk[1], secretKey: plesk[2] };
  return info;
}

/** The gateway's environment for these upstreams (so it starts no embedded sandbox of its own). */
export function gatewayUpstreamEnv(info: SandboxInfo): Record<string, string> {
  return {
    WIX_API_BASE_URL: info.wix.url,
    WIX_API_KEY: info.wix.apiKey,
    WIX_ACCOUNT_ID: WIX_DEMO.accountId,
    // The version pinned too: the Plesk variants' direct packets carry this one (variants.ts).
    ...(info.plesk ? { PLESK_URL: info.plesk.url, PLESK_SECRET_KEY: info.plesk.secretKey, PLESK_PROTOCOL_VERSION: DEFAULT_PROTOCOL_VERSION } : {}),
  };
}

export interface CallCount {
  /** Upstream API calls recorded (control calls are never recorded). */
  calls: number;
  /** Of those, answered with a status outside 2xx (or, for Plesk, a packet-level error). */
  failed: number;
  /** Calls repeating an earlier write's method and path (a package cancelled twice). */
  repeated: number;
  /** Calls by `METHOD /path/{id}` (Plesk: `POST /enterprise/control/agent.php#operator/operation`), to tell which calls an operation makes. */
  byRoute: Record<string, number>;
}

const GUID = /[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/gi;

/** The request log of one sandbox upstream. */
export interface UpstreamControl {
  clearLog(): Promise<void>;
  countCalls(): Promise<CallCount>;
}

/** Talks to the Wix sandbox directly: its control API and, for seeding, its public API. */
export class WixSandboxControl implements UpstreamControl {
  private readonly pool: Pool;

  constructor(
    readonly url: string,
    private readonly apiKey: string,
  ) {
    this.pool = new Pool(url, { connections: 8 });
  }

  async clearLog(): Promise<void> {
    await this.control('DELETE', '/requests');
  }

  async countCalls(): Promise<CallCount> {
    const log = (await this.control('GET', '/requests')) as { method: string; path: string; status: number }[];
    const seen = new Set<string>();
    let failed = 0;
    let repeated = 0;
    const byRoute: Record<string, number> = {};
    for (const call of log) {
      if (call.status < 200 || call.status > 299) failed++;
      const key = `${call.method} ${call.path}`;
      if (call.method !== 'GET' && call.method !== 'POST' && seen.has(key)) repeated++;
      seen.add(key);
      const route = `${call.method} ${call.path.replace(GUID, '{id}')}`;
      byRoute[route] = (byRoute[route] ?? 0) + 1;
    }
    return { calls: log.length, failed, repeated, byRoute };
  }

  /**
   * Creates `count` packages of one floating monthly mailbox each (Create Package V2 needs a country
   * and a billing cycle the product supports) and returns their ids.
   */
  async createPackages(accountId: string, count: number, concurrency = 16): Promise<string[]> {
    const body = JSON.stringify({
      products: [
        {
          catalogProductId: WIX_DEMO.mailboxProductId,
          countryCode: 'US',
          billingInfo: { type: 'RECURRING', cycleDuration: { unit: 'MONTH', count: 1 } },
        },
      ],
    });
    const ids: string[] = new Array<string>(count);
    let next = 0;
    const worker = async (): Promise<void> => {
      while (next < count) {
        const index = next++;
        const res = await this.pool.request({
          method: 'POST',
          path: '/resellers/v2/packages',
          headers: { authorization: this.apiKey, 'wix-account-id': accountId, 'content-type': 'application/json' },
          body,
        });
        const text = await res.body.text();
        if (res.statusCode !== 200) throw new Error(`creating a package failed: ${res.statusCode} ${text.slice(0, 300)}`);
        ids[index] = (JSON.parse(text) as { package: { id: string } }).package.id;
      }
    };
    await Promise.all(Array.from({ length: Math.min(concurrency, count) }, worker));
    return ids;
  }

  close(): Promise<void> {
    return this.pool.close();
  }

  private async control(method: 'GET' | 'DELETE' | 'POST', path: string): Promise<unknown> {
    const res = await this.pool.request({ method, path: `/__sandbox${path}`, headers: { authorization: this.apiKey } });
    const text = await res.body.text();
    if (res.statusCode !== 200) throw new Error(`sandbox control ${method} ${path}: ${res.statusCode} ${text.slice(0, 300)}`);
    return JSON.parse(text) as unknown;
  }
}

/** The Plesk sandbox's request log, through its control API (`/__sandbox/requests`, header `KEY`). */
export class PleskSandboxControl implements UpstreamControl {
  private readonly pool: Pool;

  constructor(
    readonly url: string,
    private readonly secretKey: string,
  ) {
    this.pool = new Pool(url, { connections: 2 });
  }

  async clearLog(): Promise<void> {
    await this.control('DELETE');
  }

  /**
   * Every agent.php answer is HTTP 200: a failed call is a status outside 2xx (a fault, or none
   * sent) or a packet-level `<system>` error, which the log records. An error `<result>` inside an ok
   * packet is not in the log (it records requests, not answers), so it cannot count here; the direct
   * and proxy checks read it, and the gateway's answer shows it.
   */
  async countCalls(): Promise<CallCount> {
    const { requests } = (await this.control('GET')) as { requests: RecordedPleskRequest[] };
    const writes = new Set<string>();
    let failed = 0;
    let repeated = 0;
    const byRoute: Record<string, number> = {};
    for (const call of requests) {
      if (call.status === null || call.status < 200 || call.status > 299 || call.systemErrcode !== null) failed++;
      const operations = call.operations.map((op) => `${op.operator}/${op.operation}`);
      // Reads are `get` and `get_protos`; a change sent twice with the same packet is a repeated write.
      if (operations.some((op) => !op.endsWith('/get') && !op.endsWith('/get_protos'))) {
        if (writes.has(call.body)) repeated++;
        writes.add(call.body);
      }
      const route = `${call.method} ${call.path}${operations.length > 0 ? `#${operations.join('+')}` : ''}`;
      byRoute[route] = (byRoute[route] ?? 0) + 1;
    }
    return { calls: requests.length, failed, repeated, byRoute };
  }

  close(): Promise<void> {
    return this.pool.close();
  }

  private async control(method: 'GET' | 'DELETE'): Promise<unknown> {
    const res = await this.pool.request({ method, path: '/__sandbox/requests', headers: { KEY: this.secretKey } });
    const text = await res.body.text();
    if (res.statusCode !== 200 && res.statusCode !== 204) throw new Error(`Plesk sandbox control ${method} /requests: ${res.statusCode} ${text.slice(0, 300)}`);
    return text === '' ? undefined : (JSON.parse(text) as unknown);
  }
}
