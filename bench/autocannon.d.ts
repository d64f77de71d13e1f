// The part of autocannon 9's programmatic API the harness uses (the package ships no types).
declare module 'autocannon' {
  import type { EventEmitter } from 'node:events';

  namespace autocannon {
    type Context = Record<string, unknown>;

    interface Request {
      method?: string;
      path?: string;
      headers?: Record<string, string>;
      body?: string | Buffer;
      /** Called on each connection before each request; returns the request to send. */
      setupRequest?: (request: Request, context: Context) => Request;
      /** Called with the whole response body. */
      onResponse?: (status: number, body: string, context: Context, headers: Record<string, unknown>) => void;
    }

    interface Options {
      url: string;
      connections?: number;
      /** Seconds; ignored when `amount` is set. */
      duration?: number;
      /** Total requests, split between connections; the run ends when all are answered. */
      amount?: number;
      /** Milliseconds between samples; the run can only end on a sample. Default 1000. */
      sampleInt?: number;
      /** Seconds before a request counts as timed out. */
      timeout?: number;
      pipelining?: number;
      requests?: Request[];
    }

    interface Result {
      errors: number;
      timeouts: number;
      non2xx: number;
      resets: number;
      mismatches: number;
      duration: number;
      requests: { total: number; sent: number; average: number };
    }

    interface Instance extends EventEmitter {
      stop(): void;
      on(event: 'response', listener: (client: unknown, statusCode: number, resBytes: number, responseTimeMs: number) => void): this;
      on(event: 'reqError', listener: (error: Error) => void): this;
      on(event: string, listener: (...args: unknown[]) => void): this;
    }
  }

  function autocannon(options: autocannon.Options, callback: (error: Error | null, result: autocannon.Result) => void): autocannon.Instance;

  export = autocannon;
}
