/**
 * The gateway's whole configuration, read from the environment once at boot. Every problem is
 * reported together (exit code 2 in main.ts), then one typed `Config` is passed down.
 */
import { readFileSync } from 'node:fs';
import { z } from 'zod';
import type { StaticCaller } from './auth/caller.js';
import { loadCallersFile } from './auth/callers-file.js';
import { AuthConfigError, createJwtVerifier, resolvePublicKeyPem, type JwtAuthOptions } from './auth/jwt.js';
import { TRACES_SAMPLERS, type TracesSampler } from './observability/tracing.js';
import { HEADER_VALUE_UNSAFE } from './upstreams/http.js';
import { schema } from './schema/index.js';
import { loadTrustedDocuments, type TrustedDocuments } from './security/trusted-documents.js';
import { DEFAULT_LIMITS, type RequestLimits } from './security/limits.js';

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
const MIB = 1024 * 1024;

/** Empty variables count as unset, as a shell `FOO= npm start` intends. */
const optionalString = z
  .string()
  .optional()
  .transform((value) => (value === undefined || value.trim() === '' ? undefined : value.trim()));

const HEADER_SAFE = 'must hold only characters an HTTP header can carry (no control characters, nothing past Latin-1)';

/** A credential sent as an HTTP header: refused here rather than by the client at its first call. */
const headerValue = optionalString.refine((value) => value === undefined || !HEADER_VALUE_UNSAFE.test(value), HEADER_SAFE);

/** How one upstream is protected; every field has an environment variable and a default. */
export interface UpstreamPolicy {
  connectTimeoutMs: number;
  headersTimeoutMs: number;
  /** Concurrent calls (bulkhead); beyond it and its queue, OVERLOADED at once. */
  maxConcurrency: number;
  maxQueued: number;
  /** Attempts of a read, the first included; writes are never retried. */
  readAttempts: number;
  /** Consecutive failures that open the breaker, and how long it stays open. */
  breakerFailures: number;
  breakerOpenMs: number;
}

/** The documented defaults of every upstream's policy. */
export const DEFAULT_UPSTREAM_POLICY: Readonly<UpstreamPolicy> = {
  connectTimeoutMs: 3_000,
  headersTimeoutMs: 10_000,
  maxConcurrency: 32,
  maxQueued: 256,
  readAttempts: 3,
  breakerFailures: 5,
  breakerOpenMs: 15_000,
};

/** Timeouts and resilience settings every upstream has, under its own prefix (WIX_, PLESK_). */
function upstreamPolicyEnv<P extends string>(prefix: P) {
  const d = DEFAULT_UPSTREAM_POLICY;
  return {
    [`${prefix}CONNECT_TIMEOUT_MS`]: positiveInt(d.connectTimeoutMs),
    [`${prefix}HEADERS_TIMEOUT_MS`]: positiveInt(d.headersTimeoutMs),
    [`${prefix}MAX_CONCURRENCY`]: positiveInt(d.maxConcurrency),
    [`${prefix}MAX_QUEUED`]: z.coerce.number().int().min(0).default(d.maxQueued),
    [`${prefix}READ_ATTEMPTS`]: z.coerce.number().int().min(1).max(10).default(d.readAttempts),
    [`${prefix}BREAKER_FAILURES`]: positiveInt(d.breakerFailures),
    [`${prefix}BREAKER_OPEN_MS`]: positiveInt(d.breakerOpenMs),
  } as Record<`${P}${'CONNECT_TIMEOUT_MS' | 'HEADERS_TIMEOUT_MS' | 'MAX_CONCURRENCY' | 'MAX_QUEUED' | 'READ_ATTEMPTS' | 'BREAKER_FAILURES' | 'BREAKER_OPEN_MS'}`, z.ZodDefault<z.ZodCoercedNumber<unknown>>>;
}

const EnvSchema = z.object({
  ...upstreamPolicyEnv('WIX_'),
  ...upstreamPolicyEnv('PLESK_'),
  /** 0 switches the limiter off; unset means 200 in live mode (Wix's documented limit) and off for the sandbox. */
  WIX_RATE_LIMIT_PER_MINUTE: z.coerce.number().int().min(0).optional(),
  WIX_RATE_LIMIT_PER_CALLER_PER_MINUTE: z.coerce.number().int().min(0).optional(),
  GATEWAY_SHUTDOWN_TIMEOUT_MS: positiveInt(25_000),
  IDEMPOTENCY_TTL_HOURS: positiveInt(24),
  OTEL_EXPORTER_OTLP_ENDPOINT: optionalString,
  OTEL_TRACES_SAMPLER: z.enum(TRACES_SAMPLERS).default('parentbased_always_on'),
  /** The ratio of the `traceidratio` samplers. */
  OTEL_TRACES_SAMPLER_ARG: z.coerce.number().min(0).max(1).default(1),
  NODE_ENV: optionalString,
  PORT: z.coerce.number().int().min(0).max(65535).default(4000),
  HOST: z.string().trim().min(1).default('127.0.0.1'),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  WIX_API_KEY: headerValue,
  WIX_ACCOUNT_ID: optionalString.pipe(guid.optional()),
  WIX_API_BASE_URL: upstreamUrl.default('https://www.wixapis.com'),
  WIX_TIMEOUT_MS: positiveInt(10_000),
  WIX_MAX_RESPONSE_BYTES: positiveInt(4 * 1024 * 1024),
  WIX_CONNECTIONS: positiveInt(10),
  PLESK_URL: optionalString.pipe(upstreamUrl.optional()),
  PLESK_LOGIN: headerValue,
  PLESK_PASSWORD: headerValue,
  PLESK_SECRET_KEY: headerValue,
  PLESK_CA_FILE: optionalString,
  PLESK_PROTOCOL_VERSION: z.string().trim().regex(/^\d+(\.\d+){0,3}$/, 'must be a version such as 1.6.9.1').default('1.6.9.1'),
  PLESK_SERVERS_FILE: optionalString,
  PLESK_TIMEOUT_MS: positiveInt(10_000),
  PLESK_WRITE_TIMEOUT_MS: positiveInt(60_000),
  PLESK_MAX_RESPONSE_BYTES: positiveInt(2 * 1024 * 1024),
  GATEWAY_CALLERS_FILE: optionalString,
  GATEWAY_JWT_JWKS_URL: optionalString,
  GATEWAY_JWT_PUBLIC_KEY: optionalString,
  GATEWAY_JWT_ISSUER: optionalString,
  GATEWAY_JWT_AUDIENCE: optionalString,
  GATEWAY_JWT_ALGORITHMS: optionalString,
  GATEWAY_JWT_ROLES_CLAIM: optionalString,
  GATEWAY_JWT_WIX_ACCOUNTS_CLAIM: optionalString,
  GATEWAY_JWT_PLESK_SERVERS_CLAIM: optionalString,
  GATEWAY_JWT_NAME_CLAIM: optionalString,
  GATEWAY_JWT_EMAIL_CLAIM: optionalString,
  GATEWAY_CORS_ORIGINS: optionalString,
  AUDIT_DB: z.string().trim().min(1).default('./data/audit.sqlite'),
  GATEWAY_MAX_DEPTH: positiveInt(DEFAULT_LIMITS.maxDepth),
  GATEWAY_MAX_ALIASES: positiveInt(DEFAULT_LIMITS.maxAliases),
  GATEWAY_MAX_DIRECTIVES: positiveInt(DEFAULT_LIMITS.maxDirectives),
  GATEWAY_MAX_LOOKUP_IDS: positiveInt(DEFAULT_LIMITS.maxLookupIds),
  GATEWAY_MAX_UPSTREAM_CALLS: positiveInt(DEFAULT_LIMITS.maxUpstreamCalls),
  GATEWAY_MAX_TOKENS: positiveInt(DEFAULT_LIMITS.maxTokens),
  GATEWAY_MAX_COST: positiveInt(DEFAULT_LIMITS.maxCost),
  GATEWAY_MAX_DESTRUCTIVE_MUTATIONS: positiveInt(DEFAULT_LIMITS.maxDestructiveMutations),
  GATEWAY_MAX_BODY_BYTES: positiveInt(DEFAULT_LIMITS.maxBodyBytes),
  GATEWAY_DOCUMENT_CACHE_MB: positiveInt(DEFAULT_LIMITS.documentCacheBytes / MIB),
  GATEWAY_TRUSTED_DOCUMENTS_FILE: optionalString,
});

/** One entry of PLESK_SERVERS_FILE: the same fields as the PLESK_* variables. */
const PleskServerEntry = z
  .object({
    name: z.string().trim().regex(/^[a-z0-9][a-z0-9_-]{0,62}$/i, 'must be 1-63 letters, digits, - or _'),
    url: upstreamUrl,
    login: z.string().min(1).optional(),
    password: z.string().min(1).optional(),
    secretKey: z.string().min(1).optional(),
    caFile: z.string().min(1).optional(),
    protocolVersion: z.string().regex(/^\d+(\.\d+){0,3}$/).optional(),
  })
  .strict();

const PleskServersFile = z.object({ servers: z.array(PleskServerEntry).min(1) }).strict();

export interface WixConfig {
  /** `sandbox`: no key configured, the embedded emulator is started and used. */
  mode: 'sandbox' | 'live';
  apiKey?: string;
  baseUrl: string;
  defaultAccountId?: string;
  timeoutMs: number;
  maxResponseBytes: number;
  connections: number;
  policy: UpstreamPolicy;
  /** Requests per minute per API key; 0 = no client-side limit. */
  rateLimitPerMinute: number;
}

export type PleskCredentials = { login: string; password: string } | { secretKey: string };

export interface PleskServerConfig {
  /** The name operations use in `server:`; the PLESK_* server is `default`. */
  name: string;
  url: string;
  credentials: PleskCredentials;
  /** PEM text of the CA to trust (read from the CA file at boot). */
  ca?: string;
  protocolVersion: string;
}

export interface PleskConfig {
  /**
   * `sandbox`: no PLESK_URL nor servers file, the embedded emulator is started and used;
   * `off`: the same in production, where no sandbox runs and Plesk operations answer NOT_FOUND.
   */
  mode: 'sandbox' | 'live' | 'off';
  servers: PleskServerConfig[];
  protocolVersion: string;
  timeoutMs: number;
  writeTimeoutMs: number;
  maxResponseBytes: number;
  policy: UpstreamPolicy;
}

export interface AuthConfig {
  /** Service callers from GATEWAY_CALLERS_FILE (hashes only). */
  callers: StaticCaller[];
  jwt?: JwtAuthOptions;
}

export interface Config {
  env: 'production' | 'development';
  port: number;
  host: string;
  logLevel: z.infer<typeof EnvSchema>['LOG_LEVEL'];
  wix: WixConfig;
  plesk: PleskConfig;
  auth: AuthConfig;
  auditDb: string;
  corsOrigins: string[];
  /** GATEWAY_TRUSTED_DOCUMENTS_FILE's documents by SHA-256: when set, the only documents run. */
  trustedDocuments?: TrustedDocuments;
  limits: RequestLimits;
  /** In-flight operations get this long to finish on SIGTERM. */
  shutdownTimeoutMs: number;
  idempotencyTtlMs: number;
  /** OpenTelemetry traces: where they go and which are recorded; off when unset. */
  tracing?: { endpoint: string; sampler: TracesSampler };
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
  const problems: string[] = [];
  const production = e.NODE_ENV === 'production';
  const plesk = pleskConfig(e, problems);
  if (production && plesk.mode === 'sandbox') plesk.mode = 'off';
  const auth = authConfig(e, problems);
  let trustedDocuments: TrustedDocuments | undefined;
  if (e.GATEWAY_TRUSTED_DOCUMENTS_FILE !== undefined) {
    const loaded = loadTrustedDocuments(e.GATEWAY_TRUSTED_DOCUMENTS_FILE, schema);
    if (loaded.ok) trustedDocuments = loaded.documents;
    else problems.push(...loaded.problems.map((p) => `GATEWAY_TRUSTED_DOCUMENTS_FILE: ${p}`));
  }
  if (production) {
    if (!live) problems.push('WIX_API_KEY: required when NODE_ENV=production (the sandbox upstreams are for development)');
    if (auth.callers.length === 0 && !auth.jwt) {
      problems.push('GATEWAY_CALLERS_FILE or GATEWAY_JWT_*: at least one kind of caller is required when NODE_ENV=production');
    }
  }
  if (problems.length > 0) return { ok: false, problems };
  return {
    ok: true,
    config: {
      env: production ? 'production' : 'development',
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
        policy: policyOf(e, 'WIX_'),
        rateLimitPerMinute: e.WIX_RATE_LIMIT_PER_MINUTE ?? (live ? 200 : 0),
      },
      plesk,
      auth,
      auditDb: e.AUDIT_DB,
      ...(trustedDocuments ? { trustedDocuments } : {}),
      corsOrigins: e.GATEWAY_CORS_ORIGINS ? e.GATEWAY_CORS_ORIGINS.split(',').map((o) => o.trim()).filter(Boolean) : [],
      limits: {
        maxDepth: e.GATEWAY_MAX_DEPTH,
        maxAliases: e.GATEWAY_MAX_ALIASES,
        maxDirectives: e.GATEWAY_MAX_DIRECTIVES,
        maxLookupIds: e.GATEWAY_MAX_LOOKUP_IDS,
        maxUpstreamCalls: e.GATEWAY_MAX_UPSTREAM_CALLS,
        callerWixCallsPerMinute: e.WIX_RATE_LIMIT_PER_CALLER_PER_MINUTE ?? (live ? 100 : 0),
        maxTokens: e.GATEWAY_MAX_TOKENS,
        maxCost: e.GATEWAY_MAX_COST,
        maxDestructiveMutations: e.GATEWAY_MAX_DESTRUCTIVE_MUTATIONS,
        maxBodyBytes: e.GATEWAY_MAX_BODY_BYTES,
        documentCacheBytes: e.GATEWAY_DOCUMENT_CACHE_MB * MIB,
      },
      shutdownTimeoutMs: e.GATEWAY_SHUTDOWN_TIMEOUT_MS,
      idempotencyTtlMs: e.IDEMPOTENCY_TTL_HOURS * 3_600_000,
      ...(e.OTEL_EXPORTER_OTLP_ENDPOINT
        ? { tracing: { endpoint: e.OTEL_EXPORTER_OTLP_ENDPOINT, sampler: { name: e.OTEL_TRACES_SAMPLER, ratio: e.OTEL_TRACES_SAMPLER_ARG } } }
        : {}),
    },
  };
}

function policyOf(e: Env, prefix: 'WIX_' | 'PLESK_'): UpstreamPolicy {
  return {
    connectTimeoutMs: e[`${prefix}CONNECT_TIMEOUT_MS`],
    headersTimeoutMs: e[`${prefix}HEADERS_TIMEOUT_MS`],
    maxConcurrency: e[`${prefix}MAX_CONCURRENCY`],
    maxQueued: e[`${prefix}MAX_QUEUED`],
    readAttempts: e[`${prefix}READ_ATTEMPTS`],
    breakerFailures: e[`${prefix}BREAKER_FAILURES`],
    breakerOpenMs: e[`${prefix}BREAKER_OPEN_MS`],
  };
}

function authConfig(e: Env, problems: string[]): AuthConfig {
  let callers: StaticCaller[] = [];
  if (e.GATEWAY_CALLERS_FILE !== undefined) {
    const file = loadCallersFile(e.GATEWAY_CALLERS_FILE);
    if (file.ok) callers = file.callers;
    else problems.push(...file.problems.map((p) => `GATEWAY_CALLERS_FILE: ${p}`));
  }
  const jwtSource = [e.GATEWAY_JWT_JWKS_URL, e.GATEWAY_JWT_PUBLIC_KEY].filter((v) => v !== undefined).length;
  const jwtAny = jwtSource > 0 || e.GATEWAY_JWT_ISSUER !== undefined || e.GATEWAY_JWT_AUDIENCE !== undefined;
  if (!jwtAny) return { callers };
  if (jwtSource !== 1) problems.push('GATEWAY_JWT_JWKS_URL / GATEWAY_JWT_PUBLIC_KEY: set exactly one to accept JWTs');
  if (e.GATEWAY_JWT_ISSUER === undefined) problems.push('GATEWAY_JWT_ISSUER: required to accept JWTs');
  if (e.GATEWAY_JWT_AUDIENCE === undefined) problems.push('GATEWAY_JWT_AUDIENCE: required to accept JWTs');
  let publicKeyPem: string | undefined;
  if (e.GATEWAY_JWT_PUBLIC_KEY !== undefined) {
    try {
      publicKeyPem = resolvePublicKeyPem(e.GATEWAY_JWT_PUBLIC_KEY);
    } catch (error) {
      problems.push(`GATEWAY_JWT_PUBLIC_KEY: ${error instanceof AuthConfigError ? error.message : 'cannot be read'}`);
    }
  }
  if (jwtSource !== 1 || e.GATEWAY_JWT_ISSUER === undefined || e.GATEWAY_JWT_AUDIENCE === undefined) return { callers };
  const claims = {
    ...(e.GATEWAY_JWT_ROLES_CLAIM ? { roles: e.GATEWAY_JWT_ROLES_CLAIM } : {}),
    ...(e.GATEWAY_JWT_WIX_ACCOUNTS_CLAIM ? { wixAccounts: e.GATEWAY_JWT_WIX_ACCOUNTS_CLAIM } : {}),
    ...(e.GATEWAY_JWT_PLESK_SERVERS_CLAIM ? { pleskServers: e.GATEWAY_JWT_PLESK_SERVERS_CLAIM } : {}),
    ...(e.GATEWAY_JWT_NAME_CLAIM ? { name: e.GATEWAY_JWT_NAME_CLAIM } : {}),
    ...(e.GATEWAY_JWT_EMAIL_CLAIM ? { email: e.GATEWAY_JWT_EMAIL_CLAIM } : {}),
  };
  const jwt: JwtAuthOptions = {
    issuer: e.GATEWAY_JWT_ISSUER,
    audience: e.GATEWAY_JWT_AUDIENCE,
    ...(e.GATEWAY_JWT_JWKS_URL ? { jwksUrl: e.GATEWAY_JWT_JWKS_URL } : {}),
    ...(publicKeyPem ? { publicKeyPem } : {}),
    ...(e.GATEWAY_JWT_ALGORITHMS ? { algorithms: e.GATEWAY_JWT_ALGORITHMS.split(',').map((a) => a.trim()).filter(Boolean) } : {}),
    claims,
  };
  if (publicKeyPem === undefined && e.GATEWAY_JWT_PUBLIC_KEY !== undefined) return { callers };
  // The verifier's own checks (algorithms, what the key can verify, the JWKS URL), now, so that they
  // are listed with every other problem rather than found after the configuration passed.
  try {
    createJwtVerifier(jwt);
  } catch (error) {
    if (!(error instanceof AuthConfigError)) throw error;
    problems.push(`${jwtVariableOf(error.message)}: ${error.message}`);
    return { callers };
  }
  return { callers, jwt };
}

/** The variable a JWT verifier's complaint is about, from the words it starts with. */
function jwtVariableOf(message: string): string {
  if (message.startsWith('JWT algorithms')) return 'GATEWAY_JWT_ALGORITHMS';
  if (message.startsWith('JWT public key')) return 'GATEWAY_JWT_PUBLIC_KEY';
  if (message.startsWith('JWKS URL')) return 'GATEWAY_JWT_JWKS_URL';
  if (message.startsWith('JWT claims')) return 'GATEWAY_JWT_*_CLAIM';
  return 'GATEWAY_JWT_*';
}

type Env = z.infer<typeof EnvSchema>;

/** Exactly one credential method per server: a login pair or a secret key (never both). */
function credentials(
  where: string,
  c: { login?: string | undefined; password?: string | undefined; secretKey?: string | undefined },
  problems: string[],
): PleskCredentials | undefined {
  for (const [name, value] of Object.entries({ login: c.login, password: c.password, secretKey: c.secretKey })) {
    if (value !== undefined && (typeof value !== 'string' || value === '' || HEADER_VALUE_UNSAFE.test(value))) {
      problems.push(`${where}: the ${name} ${HEADER_SAFE}`);
      return undefined;
    }
  }
  const pair = c.login !== undefined || c.password !== undefined;
  if (pair && c.secretKey !== undefined) {
    problems.push(`${where}: set either a login and password or a secret key, not both`);
    return undefined;
  }
  if (c.secretKey !== undefined) return { secretKey: c.secretKey };
  if (c.login !== undefined && c.password !== undefined) return { login: c.login, password: c.password };
  problems.push(`${where}: needs a login and a password, or a secret key`);
  return undefined;
}

function readCa(where: string, file: string | undefined, problems: string[]): string | undefined {
  if (file === undefined) return undefined;
  try {
    const pem = readFileSync(file, 'utf8');
    if (!pem.includes('-----BEGIN CERTIFICATE-----')) problems.push(`${where}: ${file} holds no PEM certificate`);
    return pem;
  } catch {
    problems.push(`${where}: cannot read ${file}`);
    return undefined;
  }
}

function pleskConfig(e: Env, problems: string[]): PleskConfig {
  const servers: PleskServerConfig[] = [];
  const common = {
    policy: policyOf(e, 'PLESK_'),
    protocolVersion: e.PLESK_PROTOCOL_VERSION,
    timeoutMs: e.PLESK_TIMEOUT_MS,
    writeTimeoutMs: e.PLESK_WRITE_TIMEOUT_MS,
    maxResponseBytes: e.PLESK_MAX_RESPONSE_BYTES,
  };
  if (e.PLESK_URL !== undefined) {
    const creds = credentials('PLESK_LOGIN/PLESK_PASSWORD/PLESK_SECRET_KEY', { login: e.PLESK_LOGIN, password: e.PLESK_PASSWORD, secretKey: e.PLESK_SECRET_KEY }, problems);
    const ca = readCa('PLESK_CA_FILE', e.PLESK_CA_FILE, problems);
    if (creds) servers.push({ name: 'default', url: e.PLESK_URL, credentials: creds, protocolVersion: e.PLESK_PROTOCOL_VERSION, ...(ca ? { ca } : {}) });
  } else if (e.PLESK_LOGIN ?? e.PLESK_PASSWORD ?? e.PLESK_SECRET_KEY ?? e.PLESK_CA_FILE) {
    problems.push('PLESK_URL: must be set when Plesk credentials or a CA file are given');
  }
  if (e.PLESK_SERVERS_FILE !== undefined) {
    let parsed: unknown;
    try {
      parsed = JSON.parse(readFileSync(e.PLESK_SERVERS_FILE, 'utf8'));
    } catch (error) {
      problems.push(`PLESK_SERVERS_FILE: cannot read ${e.PLESK_SERVERS_FILE} as JSON (${(error as Error).name})`);
    }
    if (parsed !== undefined) {
      const file = PleskServersFile.safeParse(parsed);
      if (!file.success) {
        for (const issue of file.error.issues) problems.push(`PLESK_SERVERS_FILE: ${issue.path.join('.') || 'file'}: ${issue.message}`);
      } else {
        for (const [index, entry] of file.data.servers.entries()) {
          const where = `PLESK_SERVERS_FILE: servers.${index} (${entry.name})`;
          const names = servers.map((s) => s.name.toLowerCase());
          if (names.includes(entry.name.toLowerCase())) problems.push(`${where}: the name is used twice (\`default\` is the PLESK_URL server)`);
          const creds = credentials(where, entry, problems);
          const ca = readCa(where, entry.caFile, problems);
          if (creds) {
            servers.push({
              name: entry.name.toLowerCase(),
              url: entry.url,
              credentials: creds,
              protocolVersion: entry.protocolVersion ?? e.PLESK_PROTOCOL_VERSION,
              ...(ca ? { ca } : {}),
            });
          }
        }
      }
    }
  }
  const configured = e.PLESK_URL !== undefined || e.PLESK_SERVERS_FILE !== undefined;
  return { mode: configured ? 'live' : 'sandbox', servers, ...common };
}
