/**
 * The gateway's whole configuration, read from the environment once at boot. Every problem is
 * reported together (exit code 2 in main.ts), then one typed `Config` is passed down.
 */
import { z } from 'zod';

const LOOPBACK_HOSTS = new Set(['localhost', '127.0.0.1', '[::1]', '::1']);

function isLoopback(hostname: string): boolean {
  return LOOPBACK_HOSTS.has(hostname) || /^127\.\d+\.\d+\.\d+$/.test(hostname);
}

/** An upstream URL: https anywhere, plain http only to this machine (a sandbox or a tunnel). */
const upstreamUrl = z
  .string()
  .trim()
  .refine((value) => URL.canParse(value), 'must be an absolute URL')
  .refine((value) => {
    if (!URL.canParse(value)) return true;
    const url = new URL(value);
    return url.protocol === 'https:' || (url.protocol === 'http:' && isLoopback(url.hostname));
  }, 'must use https (http is allowed only for loopback hosts)')
  .refine((value) => !URL.canParse(value) || (new URL(value).username === '' && new URL(value).password === ''), 'must not carry credentials')
  .transform((value) => value.replace(/\/+$/, ''));

const guid = z
  .string()
  .trim()
  .regex(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i, 'must be a GUID');

const positiveInt = (fallback: number) => z.coerce.number().int().positive().default(fallback);

/** Empty variables count as unset, as a shell `FOO= npm start` intends. */
const optionalString = z
  .string()
  .optional()
  .transform((value) => (value === undefined || value.trim() === '' ? undefined : value.trim()));

const EnvSchema = z.object({
  NODE_ENV: optionalString,
  PORT: z.coerce.number().int().min(0).max(65535).default(4000),
  HOST: z.string().trim().min(1).default('127.0.0.1'),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  WIX_API_KEY: optionalString,
  WIX_ACCOUNT_ID: optionalString.pipe(guid.optional()),
  WIX_API_BASE_URL: upstreamUrl.default('https://www.wixapis.com'),
  WIX_TIMEOUT_MS: positiveInt(10_000),
  WIX_MAX_RESPONSE_BYTES: positiveInt(4 * 1024 * 1024),
  WIX_CONNECTIONS: positiveInt(10),
});

export interface WixConfig {
  /** `sandbox`: no key configured, the embedded emulator is started and used. */
  mode: 'sandbox' | 'live';
  apiKey?: string;
  baseUrl: string;
  defaultAccountId?: string;
  timeoutMs: number;
  maxResponseBytes: number;
  connections: number;
}

export interface Config {
  env: 'production' | 'development';
  port: number;
  host: string;
  logLevel: z.infer<typeof EnvSchema>['LOG_LEVEL'];
  wix: WixConfig;
}

export type ConfigResult = { ok: true; config: Config } | { ok: false; problems: string[] };

export function loadConfig(env: NodeJS.ProcessEnv = process.env): ConfigResult {
  const parsed = EnvSchema.safeParse(env);
  if (!parsed.success) {
    return {
      ok: false,
      problems: parsed.error.issues.map((issue) => `${issue.path.join('.') || 'environment'}: ${issue.message}`),
    };
  }
  const e = parsed.data;
  const live = e.WIX_API_KEY !== undefined;
  return {
    ok: true,
    config: {
      env: e.NODE_ENV === 'production' ? 'production' : 'development',
      port: e.PORT,
      host: e.HOST,
      logLevel: e.LOG_LEVEL,
      wix: {
        mode: live ? 'live' : 'sandbox',
        ...(live ? { apiKey: e.WIX_API_KEY } : {}),
        baseUrl: e.WIX_API_BASE_URL,
        ...(e.WIX_ACCOUNT_ID ? { defaultAccountId: e.WIX_ACCOUNT_ID.toLowerCase() } : {}),
        timeoutMs: e.WIX_TIMEOUT_MS,
        maxResponseBytes: e.WIX_MAX_RESPONSE_BYTES,
        connections: e.WIX_CONNECTIONS,
      },
    },
  };
}
