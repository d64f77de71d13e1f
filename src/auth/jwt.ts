/**
 * JWTs for people using internal frontends, verified with `jose` against a JWKS URL or one SPKI PEM
 * public key (exactly one). Algorithms are pinned (asymmetric only), `iss`, `aud` and `exp` are
 * required, and the claims that carry roles and bound accounts are checked strictly: a token whose
 * claims are malformed is refused, never partially accepted.
 */
import { createPublicKey, type KeyObject } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { errors, createRemoteJWKSet, jwtVerify, type JWTPayload, type JWTVerifyGetKey } from 'jose';
import { checkScope, isRole, type Caller, type Role } from './caller.js';

export interface JwtClaimNames {
  /** Array of roles (`viewer`, `operator`, `admin`). Default `roles`. */
  roles: string;
  /** Array of Wix account GUIDs, or `["*"]`; absent = none. Default `wix_accounts`. */
  wixAccounts: string;
  /** Array of Plesk server names, or `["*"]`; absent = none. Default `plesk_servers`. */
  pleskServers: string;
  /** The caller's name (required string). Default `sub`. */
  name: string;
  /** Optional display e-mail. Default `email`. */
  email: string;
}

export interface JwtAuthOptions {
  /** JWKS URL (https; http only for loopback hosts). Exactly one of `jwksUrl` / `publicKeyPem`. */
  jwksUrl?: string;
  /** SPKI public key, PEM text (`-----BEGIN PUBLIC KEY-----`). */
  publicKeyPem?: string;
  issuer: string;
  audience: string;
  /** Default `['RS256', 'ES256']`; only asymmetric algorithms are accepted. */
  algorithms?: string[];
  /** Claim names; each defaults as in `DEFAULT_JWT_CLAIMS`. */
  claims?: Partial<JwtClaimNames>;
  /** Allowed clock skew for `exp`/`nbf`/`iat`. Default 30. */
  clockToleranceSeconds?: number;
  /** JWKS HTTP timeout. Default 2000. */
  jwksTimeoutMs?: number;
  /** After a JWKS fetch, an unknown `kid` triggers no new fetch for this long. Default 30000. */
  jwksCooldownMs?: number;
  /** Cached keys are refetched after this long. Default 600000. */
  jwksCacheMaxAgeMs?: number;
}

export const DEFAULT_JWT_ALGORITHMS = ['RS256', 'ES256'] as const;
export const SUPPORTED_JWT_ALGORITHMS = ['RS256', 'RS384', 'RS512', 'PS256', 'PS384', 'PS512', 'ES256', 'ES384', 'ES512', 'EdDSA', 'Ed25519'] as const;
export const DEFAULT_JWT_CLAIMS: Readonly<JwtClaimNames> = Object.freeze({
  roles: 'roles',
  wixAccounts: 'wix_accounts',
  pleskServers: 'plesk_servers',
  name: 'sub',
  email: 'email',
});

/** Bad JWT configuration: thrown by `createJwtVerifier` (that is, at boot), never per request. */
export class AuthConfigError extends Error {
  override readonly name = 'AuthConfigError';
}

/** `detail` is a fixed phrase, safe to log: it never holds the token or a claim value. */
export type JwtResult = { ok: true; caller: Caller } | { ok: false; reason: 'malformed' | 'invalid' | 'expired'; detail: string };

export type JwtVerifier = (token: string) => Promise<JwtResult>;

const LOOPBACK_HOSTS = new Set(['localhost', '127.0.0.1', '[::1]', '::1']);
const MAX_NAME_LENGTH = 256;
const MAX_EMAIL_LENGTH = 320;

/** Which of `algorithms` a public key can verify. */
function algorithmsForKey(key: KeyObject): string[] {
  switch (key.asymmetricKeyType) {
    case 'rsa':
      return ['RS256', 'RS384', 'RS512', 'PS256', 'PS384', 'PS512'];
    case 'rsa-pss':
      return ['PS256', 'PS384', 'PS512'];
    case 'ec': {
      const curve = key.asymmetricKeyDetails?.namedCurve;
      return curve === 'prime256v1' ? ['ES256'] : curve === 'secp384r1' ? ['ES384'] : curve === 'secp521r1' ? ['ES512'] : [];
    }
    case 'ed25519':
      return ['EdDSA', 'Ed25519'];
    default:
      return [];
  }
}

function importPublicKey(pem: string): KeyObject {
  const text = pem.trim();
  if (/PRIVATE KEY-----/.test(text)) throw new AuthConfigError('JWT public key: this is a private key; configure the public key (SPKI PEM) only');
  if (!text.startsWith('-----BEGIN PUBLIC KEY-----')) {
    throw new AuthConfigError('JWT public key: must be an SPKI PEM ("-----BEGIN PUBLIC KEY-----")');
  }
  let key: KeyObject;
  try {
    key = createPublicKey({ key: text, format: 'pem' });
  } catch {
    throw new AuthConfigError('JWT public key: the PEM cannot be parsed');
  }
  const bits = key.asymmetricKeyDetails?.modulusLength;
  if (bits !== undefined && bits < 2048) throw new AuthConfigError(`JWT public key: RSA keys must have at least 2048 bits (this one has ${bits})`);
  return key;
}

/**
 * Reads a configured public key: PEM text when it starts with `-----BEGIN`, otherwise a path to a PEM
 * file. Throws `AuthConfigError` (no key material in the message).
 */
export function resolvePublicKeyPem(value: string): string {
  const trimmed = value.trim();
  if (trimmed.startsWith('-----BEGIN')) return trimmed.replace(/\\n/g, '\n');
  try {
    return readFileSync(trimmed, 'utf8');
  } catch (error) {
    throw new AuthConfigError(`JWT public key: cannot read ${trimmed} (${(error as NodeJS.ErrnoException).code ?? 'read failed'})`);
  }
}

function checkJwksUrl(value: string): URL {
  if (!URL.canParse(value)) throw new AuthConfigError('JWKS URL: must be an absolute URL');
  const url = new URL(value);
  const loopback = LOOPBACK_HOSTS.has(url.hostname) || /^127\.\d+\.\d+\.\d+$/.test(url.hostname);
  if (!(url.protocol === 'https:' || (url.protocol === 'http:' && loopback))) {
    throw new AuthConfigError('JWKS URL: must use https (http is allowed only for loopback hosts)');
  }
  if (url.username !== '' || url.password !== '') throw new AuthConfigError('JWKS URL: must not carry credentials');
  return url;
}

function positive(value: number | undefined, fallback: number, what: string, allowZero = false): number {
  if (value === undefined) return fallback;
  if (!Number.isFinite(value) || value < 0 || (!allowZero && value === 0)) throw new AuthConfigError(`${what}: must be a ${allowZero ? 'non-negative' : 'positive'} number`);
  return value;
}

/** Thrown inside the key resolver when the JWKS cannot be fetched, to tell it apart from a bad token. */
class KeySourceUnavailable extends Error {}

export function createJwtVerifier(options: JwtAuthOptions): JwtVerifier {
  const hasUrl = options.jwksUrl !== undefined && options.jwksUrl.trim() !== '';
  const hasPem = options.publicKeyPem !== undefined && options.publicKeyPem.trim() !== '';
  if (hasUrl === hasPem) throw new AuthConfigError('JWT: configure exactly one of a JWKS URL and a public key');
  if (typeof options.issuer !== 'string' || options.issuer.trim() === '') throw new AuthConfigError('JWT issuer: is required');
  if (typeof options.audience !== 'string' || options.audience.trim() === '') throw new AuthConfigError('JWT audience: is required');

  let algorithms = [...(options.algorithms ?? DEFAULT_JWT_ALGORITHMS)];
  if (algorithms.length === 0) throw new AuthConfigError('JWT algorithms: list at least one');
  for (const alg of algorithms) {
    if (!(SUPPORTED_JWT_ALGORITHMS as readonly string[]).includes(alg)) {
      throw new AuthConfigError(`JWT algorithms: ${JSON.stringify(alg)} is not allowed (use ${SUPPORTED_JWT_ALGORITHMS.join(', ')})`);
    }
  }

  const claims: JwtClaimNames = { ...DEFAULT_JWT_CLAIMS };
  for (const [field, value] of Object.entries(options.claims ?? {}) as Array<[keyof JwtClaimNames, string | undefined]>) {
    if (!(field in DEFAULT_JWT_CLAIMS)) throw new AuthConfigError(`JWT claims: unknown setting ${JSON.stringify(field)}`);
    if (value === undefined) continue;
    if (typeof value !== 'string' || value.trim() === '') throw new AuthConfigError(`JWT claims: the ${field} claim name must be a non-empty string`);
    claims[field] = value.trim();
  }

  let key: KeyObject | JWTVerifyGetKey;
  if (hasPem) {
    const publicKey = importPublicKey(options.publicKeyPem as string);
    const usable = algorithmsForKey(publicKey);
    const narrowed = algorithms.filter((alg) => usable.includes(alg));
    if (narrowed.length === 0) {
      throw new AuthConfigError(`JWT public key: a ${publicKey.asymmetricKeyType ?? 'unknown'} key cannot verify any of ${algorithms.join(', ')}`);
    }
    algorithms = narrowed;
    key = publicKey;
  } else {
    const jwks = createRemoteJWKSet(checkJwksUrl((options.jwksUrl as string).trim()), {
      timeoutDuration: positive(options.jwksTimeoutMs, 2_000, 'JWKS timeout'),
      cooldownDuration: positive(options.jwksCooldownMs, 30_000, 'JWKS cooldown', true),
      cacheMaxAge: positive(options.jwksCacheMaxAgeMs, 600_000, 'JWKS cache max age'),
    });
    key = async (header, token) => {
      try {
        return await jwks(header, token);
      } catch (error) {
        if (error instanceof errors.JWKSNoMatchingKey || error instanceof errors.JWKSMultipleMatchingKeys) throw error;
        throw new KeySourceUnavailable(error instanceof errors.JWKSTimeout ? 'timeout' : 'unavailable');
      }
    };
  }

  const verifyOptions = {
    algorithms,
    issuer: options.issuer,
    audience: options.audience,
    requiredClaims: ['exp', claims.name, claims.roles],
    clockTolerance: positive(options.clockToleranceSeconds, 30, 'JWT clock tolerance', true),
  };

  return async (token) => {
    let payload: JWTPayload;
    try {
      // The overloads differ only in the key's type; both accept the same options.
      payload = (typeof key === 'function' ? await jwtVerify(token, key, verifyOptions) : await jwtVerify(token, key, verifyOptions)).payload;
    } catch (error) {
      return failure(error);
    }
    return callerFromClaims(payload, claims);
  };
}

function failure(error: unknown): JwtResult & { ok: false } {
  if (error instanceof errors.JWTExpired) return { ok: false, reason: 'expired', detail: 'jwt: expired' };
  if (error instanceof errors.JWTClaimValidationFailed) {
    // `claim` is a registered claim or one of the configured claim names, never token text.
    const claim = error.claim;
    return { ok: false, reason: 'invalid', detail: `jwt: ${claim} claim ${error.reason === 'missing' ? 'missing' : 'rejected'}` };
  }
  if (error instanceof errors.JOSEAlgNotAllowed) return { ok: false, reason: 'invalid', detail: 'jwt: algorithm not allowed' };
  if (error instanceof errors.JWSSignatureVerificationFailed) return { ok: false, reason: 'invalid', detail: 'jwt: signature verification failed' };
  if (error instanceof errors.JWKSNoMatchingKey) return { ok: false, reason: 'invalid', detail: 'jwt: no key matches the token' };
  if (error instanceof errors.JWKSMultipleMatchingKeys) return { ok: false, reason: 'invalid', detail: 'jwt: several keys match the token' };
  if (error instanceof KeySourceUnavailable) return { ok: false, reason: 'invalid', detail: `jwks: ${error.message}` };
  if (error instanceof errors.JWSInvalid || error instanceof errors.JWTInvalid) return { ok: false, reason: 'malformed', detail: 'jwt: malformed' };
  return { ok: false, reason: 'invalid', detail: 'jwt: verification failed' };
}

function refuse(detail: string): JwtResult & { ok: false } {
  return { ok: false, reason: 'invalid', detail: `jwt: ${detail}` };
}

function callerFromClaims(payload: JWTPayload, claims: JwtClaimNames): JwtResult {
  const name = payload[claims.name];
  if (typeof name !== 'string' || name.trim() === '' || name.length > MAX_NAME_LENGTH) return refuse('name claim malformed');

  const email = payload[claims.email];
  if (email !== undefined && (typeof email !== 'string' || email.length > MAX_EMAIL_LENGTH)) return refuse('email claim malformed');

  const roles = payload[claims.roles];
  if (!Array.isArray(roles) || roles.length === 0 || !roles.every((role) => typeof role === 'string')) return refuse('roles claim malformed');
  if (!roles.every(isRole)) return refuse('roles claim holds a role that is not allowed');

  const wix = payload[claims.wixAccounts] === undefined ? ({ ok: true, scope: [] } as const) : checkScope(payload[claims.wixAccounts], 'wixAccount');
  if (!wix.ok) return refuse('wix accounts claim malformed');
  const plesk = payload[claims.pleskServers] === undefined ? ({ ok: true, scope: [] } as const) : checkScope(payload[claims.pleskServers], 'pleskServer');
  if (!plesk.ok) return refuse('plesk servers claim malformed');

  const caller: Caller = {
    name,
    kind: 'person',
    roles: [...new Set<Role>(roles)],
    wixAccounts: wix.scope === '*' ? '*' : [...wix.scope],
    pleskServers: plesk.scope === '*' ? '*' : [...plesk.scope],
  };
  if (typeof email === 'string') caller.email = email;
  return { ok: true, caller };
}
