/**
 * createLogger: JSON by default with a destination, pretty text on request, redaction in both.
 */
import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { createLogger } from '../../src/observability/logger.js';

function collector() {
  const chunks: string[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _encoding, callback) {
      chunks.push(chunk.toString());
      callback();
    },
  });
  return { stream, text: () => chunks.join('') };
}

describe('createLogger', () => {
  it('keeps working as createLogger({ level, destination }): JSON lines, credentials redacted', () => {
    const lines: string[] = [];
    const log = createLogger({ level: 'info', destination: { write: (line: string) => void lines.push(line) } });
    log.info({ headers: { authorization: 'Bearer top-secret' }, apiKey: 'k-123' }, 'hello');
    log.debug('not at info');
    expect(lines).toHaveLength(1);
    const line = JSON.parse(lines[0]!) as Record<string, any>;
    expect(line).toMatchObject({ level: 30, msg: 'hello', service: 'reseller-gateway', apiKey: '[redacted]' });
    expect(line.headers.authorization).toBe('[redacted]');
    expect(lines[0]).not.toContain('top-secret');
  });

  it('pretty: true prints human-readable lines through pino-pretty, still redacted', async () => {
    const { stream, text } = collector();
    const log = createLogger({ level: 'info', destination: stream, pretty: true });
    log.info({ authorization: 'Bearer top-secret', operation: 'Hello' }, 'graphql operation');
    for (let i = 0; i < 50 && !text().includes('graphql operation'); i++) await new Promise((resolve) => setTimeout(resolve, 10));
    const out = text();
    expect(out).toContain('INFO');
    expect(out).toContain('graphql operation');
    expect(out).toContain('operation: "Hello"');
    expect(out).toContain('[redacted]');
    expect(out).not.toContain('top-secret');
    expect(() => JSON.parse(out)).toThrow();
  });
});
