/**
 * pino JSON logs. Credentials are redacted wherever they could appear (headers, config), so a log
 * line can be shipped anywhere. In a terminal, lines are pretty-printed by pino-pretty (loaded only
 * then), after redaction: the same fields, in colour, one event per line.
 */
import { createRequire } from 'node:module';
import pino, { type Logger, type LoggerOptions } from 'pino';

export const REDACTED_PATHS = [
  'authorization',
  '*.authorization',
  '*.headers.authorization',
  '*.headers.key',
  '*.headers.http_auth_passwd',
  'apiKey',
  '*.apiKey',
  'password',
  '*.password',
  'secretKey',
  '*.secretKey',
];

export interface LoggerSettings {
  level: LoggerOptions['level'];
  /** Where lines go; defaults to stdout. Tests pass a stream to read them back. */
  destination?: pino.DestinationStream;
  /**
   * Human-readable lines (pino-pretty, in-process) instead of JSON. Default: when there is no
   * `destination` and stdout is a terminal. With a `destination`, that must be a Writable stream.
   */
  pretty?: boolean;
}

export function createLogger(settings: LoggerSettings): Logger {
  const options: LoggerOptions = {
    level: settings.level ?? 'info',
    base: { service: 'reseller-gateway' },
    redact: { paths: REDACTED_PATHS, censor: '[redacted]' },
    timestamp: pino.stdTimeFunctions.isoTime,
  };
  const pretty = settings.pretty ?? (settings.destination === undefined && process.stdout.isTTY === true);
  if (pretty) return pino(options, prettyStream(settings.destination));
  if (settings.destination) return pino(options, settings.destination);
  // Asynchronous writes to stdout: lines logged while a write is in flight go out together, instead
  // of a blocking system call per line on the request path. `flushLogs` empties it at shutdown.
  return pino(options, pino.destination({ dest: 1, sync: false }));
}

/** Writes out buffered lines; call before the process exits. */
export function flushLogs(log: Logger): Promise<void> {
  return new Promise((resolve) => log.flush(() => resolve()));
}

function prettyStream(destination: pino.DestinationStream | undefined): pino.DestinationStream {
  const require = createRequire(import.meta.url);
  const { build } = require('pino-pretty') as typeof import('pino-pretty');
  return build({
    colorize: destination === undefined && process.stdout.isTTY === true,
    translateTime: 'SYS:HH:MM:ss.l',
    ignore: 'pid,hostname,service',
    ...(destination ? { destination } : { sync: true }),
  });
}

export type { Logger };
