import { describe, expect, it } from 'vitest';
import { ConflictInProgressError } from '../../src/idempotency/errors.js';
import { SingleFlight, resourceLockKey } from '../../src/resilience/single-flight.js';

const pkg = { upstream: 'wix', account: 'acc-1', resourceId: 'pkg-1' };

describe('SingleFlight', () => {
  it('gives the lock to one holder at a time', () => {
    const locks = new SingleFlight();
    const unlock = locks.tryAcquire(pkg);
    expect(unlock).toBeTypeOf('function');
    expect(locks.tryAcquire(pkg)).toBeNull();
    expect(locks.tryAcquire(resourceLockKey(pkg))).toBeNull();
    expect(locks.isHeld(pkg)).toBe(true);
    unlock?.();
    expect(locks.isHeld(pkg)).toBe(false);
    expect(locks.size).toBe(0);
    expect(locks.tryAcquire(pkg)).not.toBeNull();
  });

  it('different resources, accounts or upstreams do not conflict', () => {
    const locks = new SingleFlight();
    expect(locks.tryAcquire(pkg)).not.toBeNull();
    expect(locks.tryAcquire({ ...pkg, resourceId: 'pkg-2' })).not.toBeNull();
    expect(locks.tryAcquire({ ...pkg, account: 'acc-2' })).not.toBeNull();
    expect(locks.tryAcquire({ ...pkg, upstream: 'plesk' })).not.toBeNull();
    expect(locks.size).toBe(4);
  });

  it('keys are unambiguous whatever the parts contain', () => {
    expect(resourceLockKey({ upstream: 'wix', account: 'a|b', resourceId: 'c' })).not.toBe(
      resourceLockKey({ upstream: 'wix', account: 'a', resourceId: 'b|c' }),
    );
  });

  it("a stale release does not free someone else's lock", () => {
    const locks = new SingleFlight();
    const first = locks.tryAcquire(pkg);
    first?.();
    const second = locks.tryAcquire(pkg);
    first?.(); // released twice: must not release `second`
    expect(locks.isHeld(pkg)).toBe(true);
    second?.();
    expect(locks.isHeld(pkg)).toBe(false);
  });

  it('acquire throws ConflictInProgressError; run releases after success and failure', async () => {
    const locks = new SingleFlight();
    let inside: unknown;
    await locks.run(pkg, async () => {
      inside = await locks.run(pkg, async () => 'nested').catch((e: unknown) => e);
    });
    expect(inside).toBeInstanceOf(ConflictInProgressError);
    expect(inside).toMatchObject({ code: 'CONFLICT_IN_PROGRESS' });
    await expect(locks.run(pkg, () => Promise.reject(new Error('boom')))).rejects.toThrow('boom');
    expect(locks.size).toBe(0);
  });
});
