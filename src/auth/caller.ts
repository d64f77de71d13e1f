/**
 * Who is calling the gateway, and what they may touch. A `Caller` comes from `authenticate()`
 * (a static service token or a verified JWT) and is the only input to authorization checks.
 */

export const ROLES = ['viewer', 'operator', 'admin'] as const;

/** admin ⊃ operator ⊃ viewer. */
export type Role = (typeof ROLES)[number];

/** `'*'`: every account / server. A list is lower-cased and free of duplicates. */
export type Scope = string[] | '*';

export interface Caller {
  /** Service name from the callers file, or the person's name claim (`sub` by default). */
  name: string;
  kind: 'service' | 'person';
  roles: Role[];
  /** Wix account ids (lower-case GUIDs) the caller may act on. */
  wixAccounts: Scope;
  /** Plesk server names (lower-case) the caller may act on. */
  pleskServers: Scope;
  /** People only, when the token carries one: for display and audit, never for authorization. */
  email?: string;
  /** Services only: the first 8 hex digits of sha256(token), the one form of a token that may be logged. */
  tokenHashPrefix?: string;
}

/** One entry of the callers file, validated. The file holds only sha-256 hashes of tokens. */
export interface StaticCaller {
  name: string;
  /** sha-256 of the token, 64 lower-case hex digits. */
  tokenSha256: string;
  roles: Role[];
  wixAccounts: Scope;
  pleskServers: Scope;
}

const RANK: Record<Role, number> = { viewer: 1, operator: 2, admin: 3 };

export function isRole(value: unknown): value is Role {
  return typeof value === 'string' && (ROLES as readonly string[]).includes(value);
}

/** True when one of the caller's roles is `role` or above it (admin ⊃ operator ⊃ viewer). */
export function hasRole(caller: Pick<Caller, 'roles'>, role: Role): boolean {
  return caller.roles.some((held) => RANK[held] >= RANK[role]);
}

export function mayActOnWixAccount(caller: Pick<Caller, 'wixAccounts'>, accountId: string): boolean {
  if (caller.wixAccounts === '*') return true;
  return caller.wixAccounts.includes(accountId.toLowerCase());
}

export function mayActOnPleskServer(caller: Pick<Caller, 'pleskServers'>, serverName: string): boolean {
  if (caller.pleskServers === '*') return true;
  return caller.pleskServers.includes(serverName.toLowerCase());
}

// ---- shared value rules (callers file, JWT claims, token script) ----

export const GUID_PATTERN = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
/** A Plesk server name as the gateway's Plesk configuration names it: a host-name-like label. */
export const SERVER_NAME_PATTERN = /^[a-z0-9](?:[a-z0-9._-]{0,252})$/i;
/** Service names: what logs and audit records show. */
export const CALLER_NAME_PATTERN = /^[a-z0-9][a-z0-9._@-]{0,127}$/i;
export const SHA256_HEX_PATTERN = /^[0-9a-f]{64}$/;

/** `index`: which item is wrong, when one is. */
export type ScopeCheck = { ok: true; scope: Scope } | { ok: false; index?: number; problem: string };

/**
 * Checks a list of account ids or server names, where `["*"]` alone means "all". Returns the
 * normalised scope (lower-case, deduplicated) or the first problem found.
 */
export function checkScope(value: unknown, kind: 'wixAccount' | 'pleskServer'): ScopeCheck {
  const what = kind === 'wixAccount' ? 'a Wix account id (GUID)' : 'a Plesk server name';
  if (!Array.isArray(value)) return { ok: false, problem: `must be an array of ${kind === 'wixAccount' ? 'GUIDs' : 'server names'}, or ["*"]` };
  const pattern = kind === 'wixAccount' ? GUID_PATTERN : SERVER_NAME_PATTERN;
  const seen = new Set<string>();
  for (const [index, item] of value.entries()) {
    if (typeof item !== 'string') return { ok: false, index, problem: 'must be a string' };
    if (item === '*') continue;
    if (!pattern.test(item)) return { ok: false, index, problem: `must be ${what} or "*"` };
    seen.add(item.toLowerCase());
  }
  if (value.includes('*')) {
    if (value.length > 1) return { ok: false, problem: 'must be either ["*"] alone or a list without "*"' };
    return { ok: true, scope: '*' };
  }
  return { ok: true, scope: [...seen] };
}
