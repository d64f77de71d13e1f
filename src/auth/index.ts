export {
  ROLES,
  hasRole,
  isRole,
  mayActOnPleskServer,
  mayActOnWixAccount,
  type Caller,
  type Role,
  type Scope,
  type StaticCaller,
} from './caller.js';
export { callerEntrySchema, formatJsonPath, loadCallersFile, parseCallersFile, toCallersFileEntry, type CallersFileResult } from './callers-file.js';
export {
  AuthConfigError,
  DEFAULT_JWT_ALGORITHMS,
  DEFAULT_JWT_CLAIMS,
  SUPPORTED_JWT_ALGORITHMS,
  resolvePublicKeyPem,
  type JwtAuthOptions,
  type JwtClaimNames,
} from './jwt.js';
export {
  MAX_AUTHORIZATION_LENGTH,
  createAuthenticator,
  type AuthFailureReason,
  type AuthOptions,
  type AuthResult,
  type Authenticator,
} from './authenticator.js';
export { TOKEN_PREFIX, generateToken, hashToken, looksLikeJwt } from './token.js';
