/**
 * Static service tokens: generation (for `npm run token`) and hashing. Only `sha256(token)` is
 * ever stored; only its first 8 hex digits are ever logged.
 */
import { hash, randomBytes } from 'node:crypto';

/** Makes a leaked token recognisable (secret scanners, log greps). */
export const TOKEN_PREFIX = 'rgw_';
export const TOKEN_BYTES = 32;

/** `rgw_` + 32 random bytes in base64url (43 characters). */
export function generateToken(): string {
  return TOKEN_PREFIX + randomBytes(TOKEN_BYTES).toString('base64url');
}

/** sha-256 of the token's UTF-8 bytes (one-shot `hash`: it runs on every request). */
export function tokenDigest(token: string): Buffer {
  return hash('sha256', token, 'buffer');
}

/** sha-256 of the token as 64 lower-case hex digits: the callers file's `tokenSha256`. */
export function hashToken(token: string): string {
  return tokenDigest(token).toString('hex');
}

/** Three dot-separated base64url parts (the last may be empty, as in an `alg: none` token). */
const JWT_SHAPE = /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*$/;

export function looksLikeJwt(token: string): boolean {
  return JWT_SHAPE.test(token);
}
