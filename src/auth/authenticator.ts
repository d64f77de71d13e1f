/**
 * `authenticate(Authorization header) → Caller | typed failure`. Two kinds of credential at once:
 * static service tokens (matched by sha-256, compared in constant time against every entry) and JWTs
 * (anything shaped `xxx.yyy.zzz`). Never throws for a bad token, never logs, and never returns the
 * token or any part of it (the `detail` of a failure is a fixed phrase, safe to log).
 */
import { timingSafeEqual } from 'node:crypto';
import { SHA256_HEX_PATTERN, type Caller, type StaticCaller } from './caller.js';
import { AuthConfigError, createJwtVerifier, type JwtAuthOptions, type JwtVerifier } from './jwt.js';
import { looksLikeJwt, tokenDigest } from './token.js';

/** Plain (zod-free) options, built by the gateway's config code. */
export interface AuthOptions {
  /** Service callers, usually from `loadCallersFile(GATEWAY_CALLERS_FILE)`; may be empty. */
  callers: StaticCaller[];
  /** JWTs for people; when absent, a JWT-shaped token is refused (`invalid`). */
  jwt?: JwtAuthOptions;
}

export type AuthFailureReason = 'missing' | 'malformed' | 'invalid' | 'expired';

export type AuthResult = { ok: true; caller: Caller } | { ok: false; reason: AuthFailureReason; detail: string };

export interface Authenticator {
  /**
   * `missing`: no header, or `Bearer` with no value. `malformed`: another scheme (`Basic …`), bad
   * characters, over 8 KiB, a JWT that does not decode. `expired`: a JWT past `exp`. `invalid`:
   * everything else (unknown token, bad signature, wrong iss/aud, nbf in the future, bad claims,
   * JWKS unreachable: see `detail`).
   */
  authenticate(authorizationHeaderValue: string | null | undefined): Promise<AuthResult>;
}

/** Longer Authorization values are refused before any hashing or parsing. */
export const MAX_AUTHORIZATION_LENGTH = 8192;

/** RFC 6750 b64token. */
const B64TOKEN = /^[A-Za-z0-9\-._~+/]+=*$/;
const BEARER = /^bearer(?: +(.*))?$/i;

interface StaticEntry {
  caller: StaticCaller;
  digest: Buffer;
}

function checkStaticCallers(callers: StaticCaller[]): StaticEntry[] {
  const names = new Set<string>();
  const hashes = new Set<string>();
  return callers.map((caller, index) => {
    if (typeof caller.tokenSha256 !== 'string' || !SHA256_HEX_PATTERN.test(caller.tokenSha256)) {
      throw new AuthConfigError(`callers[${index}].tokenSha256: must be 64 lower-case hex digits`);
    }
    if (names.has(caller.name.toLowerCase())) throw new AuthConfigError(`callers[${index}].name: duplicate name ${JSON.stringify(caller.name)}`);
    if (hashes.has(caller.tokenSha256)) throw new AuthConfigError(`callers[${index}].tokenSha256: duplicate hash`);
    names.add(caller.name.toLowerCase());
    hashes.add(caller.tokenSha256);
    return { caller, digest: Buffer.from(caller.tokenSha256, 'hex') };
  });
}

function serviceCaller(entry: StaticEntry): Caller {
  const { caller } = entry;
  return {
    name: caller.name,
    kind: 'service',
    roles: [...caller.roles],
    wixAccounts: caller.wixAccounts === '*' ? '*' : [...caller.wixAccounts],
    pleskServers: caller.pleskServers === '*' ? '*' : [...caller.pleskServers],
    tokenHashPrefix: caller.tokenSha256.slice(0, 8),
  };
}

/** Throws `AuthConfigError` for bad options (at boot); the returned `authenticate` never throws. */
export function createAuthenticator(options: AuthOptions): Authenticator {
  const entries = checkStaticCallers(options.callers);
  const verifyJwt: JwtVerifier | undefined = options.jwt ? createJwtVerifier(options.jwt) : undefined;

  function matchStatic(token: string): AuthResult {
    const digest = tokenDigest(token);
    let found: StaticEntry | undefined;
    // Every entry is compared, whatever matched before: the time taken does not depend on which one matches.
    for (const entry of entries) {
      const equal = timingSafeEqual(digest, entry.digest);
      if (equal && found === undefined) found = entry;
    }
    return found ? { ok: true, caller: serviceCaller(found) } : { ok: false, reason: 'invalid', detail: 'static token: unknown' };
  }

  async function authenticate(header: string | null | undefined): Promise<AuthResult> {
    try {
      if (header === null || header === undefined || typeof header !== 'string') return { ok: false, reason: 'missing', detail: 'no Authorization header' };
      if (header.length > MAX_AUTHORIZATION_LENGTH) return { ok: false, reason: 'malformed', detail: 'Authorization header too long' };
      const value = header.trim();
      if (value === '') return { ok: false, reason: 'missing', detail: 'empty Authorization header' };
      const match = BEARER.exec(value);
      if (!match) return { ok: false, reason: 'malformed', detail: 'not a Bearer credential' };
      const token = match[1] ?? '';
      if (token === '') return { ok: false, reason: 'missing', detail: 'empty Bearer token' };
      if (!B64TOKEN.test(token)) return { ok: false, reason: 'malformed', detail: 'Bearer token has characters outside b64token' };
      if (looksLikeJwt(token)) {
        if (!verifyJwt) return { ok: false, reason: 'invalid', detail: 'jwt: not accepted (no JWT verification configured)' };
        return await verifyJwt(token);
      }
      return matchStatic(token);
    } catch {
      return { ok: false, reason: 'invalid', detail: 'authentication failed unexpectedly' };
    }
  }

  return { authenticate };
}
