/**
 * Starts the real parts on loopback for a test file: the Wix sandbox, the gateway with its real
 * undici client pointed at it, and a small GraphQL-over-HTTP client. Logs are kept in memory so that
 * tests can read them (and prove secrets never reach them).
 */
import { Writable } from 'node:stream';
import { createLogger } from '../../src/observability/logger.js';
import { PLESK_DEMO, startPleskSandbox, type PleskSandbox, type PleskSandboxOptions } from '../../src/sandbox/plesk/index.js';
import { startWixSandbox, WIX_DEMO, type WixSandbox, type WixSandboxOptions } from '../../src/sandbox/wix/index.js';
import { createGateway, type Gateway } from '../../src/server.js';
import { createPleskClient } from '../../src/upstreams/plesk/index.js';
import { WixClient } from '../../src/upstreams/wix/client.js';

export interface GraphQLResponse<T = any> {
  status: number;
  headers: Headers;
  body: { data?: T; errors?: { message: string; path?: string[]; extensions?: Record<string, any> }[] };
  text: string;
}

export interface Stack {
  url: string;
  wixSandbox: WixSandbox;
  pleskSandbox: PleskSandbox;
  gateway: Gateway;
  logLines: string[];
  /** Every response body this stack has returned, for leak checks. */
  responses: string[];
  gql<T = any>(query: string, variables?: Record<string, unknown>, headers?: Record<string, string>): Promise<GraphQLResponse<T>>;
  close(): Promise<void>;
}

export interface StackOptions {
  wix?: WixSandboxOptions;
  wixDeadlineMs?: number;
  plesk?: PleskSandboxOptions;
  pleskDeadlineMs?: number;
}

export async function startStack(options: StackOptions = {}): Promise<Stack> {
  const [wixSandbox, pleskSandbox] = await Promise.all([startWixSandbox(options.wix), startPleskSandbox(options.plesk)]);
  const logLines: string[] = [];
  const destination = new Writable({
    write(chunk, _encoding, done) {
      logLines.push(String(chunk));
      done();
    },
  });
  const log = createLogger({ level: 'debug', destination });
  const wix = new WixClient({ baseUrl: wixSandbox.url, apiKey: wixSandbox.apiKey, deadlineMs: options.wixDeadlineMs ?? 3_000 });
  const plesk = new Map([
    [
      'default',
      createPleskClient({
        baseUrl: pleskSandbox.url,
        credentials: { login: pleskSandbox.login, password: pleskSandbox.password },
        deadlineMs: options.pleskDeadlineMs ?? 3_000,
        writeDeadlineMs: options.pleskDeadlineMs ?? 3_000,
      }),
    ],
  ]);
  const gateway = createGateway({ wix, plesk, log, defaultWixAccountId: WIX_DEMO.accountId });
  const url = await gateway.listen(0, '127.0.0.1');
  const responses: string[] = [];

  return {
    url,
    wixSandbox,
    pleskSandbox,
    gateway,
    logLines,
    responses,
    async gql(query, variables, headers) {
      const res = await fetch(`${url}/graphql`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', accept: 'application/json', ...headers },
        body: JSON.stringify({ query, ...(variables ? { variables } : {}) }),
      });
      const text = await res.text();
      responses.push(text);
      return { status: res.status, headers: res.headers, body: JSON.parse(text), text };
    },
    async close() {
      await gateway.close();
      await Promise.all([wix.close(), ...[...plesk.values()].map((client) => client.close())]);
      await Promise.all([wixSandbox.close(), pleskSandbox.close()]);
    },
  };
}

/** Upstream API calls the Wix sandbox received since the last clear, as `METHOD /path`. */
export function wixCalls(stack: Stack): string[] {
  return stack.wixSandbox.requests.map((r) => `${r.method} ${r.path}`);
}

/** Plesk operations the sandbox received since the last clear. */
export function pleskPackets(stack: Stack) {
  return stack.pleskSandbox.requests;
}

export { PLESK_DEMO, WIX_DEMO };
