/**
 * pino JSON logs. Credentials are redacted wherever they could appear (headers, config), so a log
 * line can be shipped anywhere.
 */
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
}

export function createLogger(settings: LoggerSettings): Logger {
  const options: LoggerOptions = {
    level: settings.level ?? 'info',
    base: { service: 'reseller-gateway' },
    redact: { paths: REDACTED_PATHS, censor: '[redacted]' },
    timestamp: pino.stdTimeFunctions.isoTime,
  };
  return settings.destination ? pino(options, settings.destination) : pino(options);
}

export type { Logger };
