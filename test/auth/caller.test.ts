import { describe, expect, it } from 'vitest';
import { hasRole, mayActOnPleskServer, mayActOnWixAccount, type Caller, type Role } from '../../src/auth/caller.js';

const ACCOUNT = 'acc00000-0000-4000-8000-000000000002';
const caller = (roles: Role[], wixAccounts: Caller['wixAccounts'] = [], pleskServers: Caller['pleskServers'] = []): Caller => ({ name: 'c', kind: 'service', roles, wixAccounts, pleskServers });

describe('caller helpers', () => {
  it('admin ⊃ operator ⊃ viewer', () => {
    const table: Array<[Role[], Role, boolean]> = [
      [['viewer'], 'viewer', true],
      [['viewer'], 'operator', false],
      [['operator'], 'viewer', true],
      [['operator'], 'admin', false],
      [['admin'], 'operator', true],
      [['admin'], 'viewer', true],
      [['viewer', 'admin'], 'admin', true],
      [[], 'viewer', false],
    ];
    for (const [roles, role, expected] of table) expect(hasRole(caller(roles), role), `${roles} ${role}`).toBe(expected);
  });

  it('binds Wix accounts (case-insensitively) and Plesk servers; "*" means all', () => {
    const bound = caller(['operator'], [ACCOUNT], ['plesk-eu-1']);
    expect(mayActOnWixAccount(bound, ACCOUNT)).toBe(true);
    expect(mayActOnWixAccount(bound, ACCOUNT.toUpperCase())).toBe(true);
    expect(mayActOnWixAccount(bound, 'bbb00000-0000-4000-8000-000000000002')).toBe(false);
    expect(mayActOnPleskServer(bound, 'PLESK-EU-1')).toBe(true);
    expect(mayActOnPleskServer(bound, 'plesk-us-1')).toBe(false);
    expect(mayActOnWixAccount(caller(['viewer']), ACCOUNT)).toBe(false);
    const all = caller(['viewer'], '*', '*');
    expect(mayActOnWixAccount(all, 'anything')).toBe(true);
    expect(mayActOnPleskServer(all, 'anything')).toBe(true);
  });
});
