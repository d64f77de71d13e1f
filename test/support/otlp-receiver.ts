/**
 * A tiny OTLP/HTTP trace receiver on loopback: records what an exporter posts, and reads the spans
 * back out of the JSON bodies (`resourceSpans[].scopeSpans[].spans[]`).
 */
import { createServer, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface ReceivedPost {
  method: string;
  path: string;
  contentType: string;
  body: string;
}

/** OTLP's span kinds (`SPAN_KIND_SERVER`, `SPAN_KIND_CLIENT`). */
export const SPAN_KIND = { SERVER: 2, CLIENT: 3 } as const;

export interface ExportedSpan {
  name: string;
  kind: number;
  traceId: string;
  spanId: string;
  /** Absent for a root span. */
  parentSpanId: string | undefined;
  /** W3C trace state; absent when empty. */
  traceState: string | undefined;
  /** Attribute values, whichever of `stringValue`, `intValue`, ... each has. */
  attributes: Record<string, unknown>;
}

export interface OtlpReceiver {
  /** Base URL, as `OTEL_EXPORTER_OTLP_ENDPOINT` would be. */
  endpoint: string;
  posts: ReceivedPost[];
  /** Every span of every `POST /v1/traces` received so far. */
  spans(): ExportedSpan[];
  clear(): void;
  close(): Promise<void>;
}

const readBody = (request: IncomingMessage) =>
  new Promise<string>((resolve, reject) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => resolve(Buffer.concat(chunks).toString()));
    request.on('error', reject);
  });

interface OtlpSpan {
  name: string;
  kind: number;
  traceId: string;
  spanId: string;
  parentSpanId?: string;
  traceState?: string;
  attributes?: { key: string; value: Record<string, unknown> }[];
}

export async function startOtlpReceiver(): Promise<OtlpReceiver> {
  const posts: ReceivedPost[] = [];
  const server = createServer(async (request, response) => {
    posts.push({ method: request.method ?? '', path: request.url ?? '', contentType: request.headers['content-type'] ?? '', body: await readBody(request) });
    response.writeHead(200, { 'content-type': 'application/json' }).end('{}');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    endpoint: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    posts,
    spans() {
      return posts
        .filter((post) => post.method === 'POST' && post.path === '/v1/traces')
        .flatMap((post) => {
          const body = JSON.parse(post.body) as { resourceSpans: { scopeSpans: { spans: OtlpSpan[] }[] }[] };
          return body.resourceSpans.flatMap((resource) => resource.scopeSpans.flatMap((scope) => scope.spans));
        })
        .map((span) => ({
          name: span.name,
          kind: span.kind,
          traceId: span.traceId,
          spanId: span.spanId,
          parentSpanId: span.parentSpanId || undefined,
          traceState: span.traceState || undefined,
          attributes: Object.fromEntries((span.attributes ?? []).map(({ key, value }) => [key, Object.values(value)[0]])),
        }));
    },
    clear() {
      posts.length = 0;
    },
    close() {
      return new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
