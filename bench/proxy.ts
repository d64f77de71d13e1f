/**
 * The minimal proxy: what any gateway written in Node must at least do per call. It swaps the
 * caller's token for the upstream key, forwards the request through an undici Pool with the
 * gateway's settings (src/upstreams/http.ts), and pipes the upstream body back untouched.
 * Run by the harness, one instance per upstream: PROXY_UPSTREAM_URL, PROXY_UPSTREAM_KEY,
 * PROXY_UPSTREAM_KEY_HEADER (the header carrying the key: `authorization` for Wix, `KEY` for Plesk;
 * default `authorization`), PORT (0 = any).
 */
import { createServer } from 'node:http';
import { pipeline } from 'node:stream';
import { Pool, type Dispatcher } from 'undici';

const upstream = new URL(process.env.PROXY_UPSTREAM_URL ?? '');
const upstreamKey = process.env.PROXY_UPSTREAM_KEY ?? '';
const keyHeader = process.env.PROXY_UPSTREAM_KEY_HEADER || 'authorization';
const pool = new Pool(upstream.origin, {
  connections: 10,
  keepAliveTimeout: 4_000,
  headersTimeout: 10_000,
  bodyTimeout: 10_000,
  connect: { timeout: 3_000 },
});
// The caller's token never goes upstream, nor a key header of the caller's own.
const NOT_FORWARDED = new Set(['host', 'connection', 'keep-alive', 'authorization', keyHeader.toLowerCase()]);

const server = createServer((req, res) => {
  const headers: Record<string, string> = { [keyHeader]: upstreamKey };
  for (const [name, value] of Object.entries(req.headers)) if (typeof value === 'string' && !NOT_FORWARDED.has(name)) headers[name] = value;
  const hasBody = Number(req.headers['content-length'] ?? 0) > 0 || req.headers['transfer-encoding'] !== undefined;
  const method = (req.method ?? 'GET') as Dispatcher.HttpMethod;
  pool.request({ method, path: req.url ?? '/', headers, body: hasBody ? req : null }).then(
    (answer) => {
      const { 'content-type': type, 'content-length': length } = answer.headers;
      res.writeHead(answer.statusCode, { ...(type ? { 'content-type': String(type) } : {}), ...(length ? { 'content-length': String(length) } : {}) });
      pipeline(answer.body, res, () => {});
    },
    () => res.writeHead(502).end(),
  );
});

server.listen(Number(process.env.PORT ?? 0), '127.0.0.1', () => {
  const address = server.address();
  if (address && typeof address === 'object') process.stdout.write(`proxy listening on http://127.0.0.1:${address.port}\n`);
});
process.on('SIGTERM', () => server.close(() => void pool.close().then(() => process.exit(0))));
