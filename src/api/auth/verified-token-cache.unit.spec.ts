import { afterEach, describe, expect, it, vi } from 'vitest';
import { type AuthenticatedCaller } from './token-claims.js';
import { TEST_SECRET, claims, nowSeconds, signed } from '../../../test-kit/token.fixtures.js';
import { TokenVerifier } from './token-verifier.js';
import { MAX_CACHED_TOKEN_LENGTH, VerifiedTokenCache } from './verified-token-cache.js';

const CALLER: AuthenticatedCaller = { sub: 'c-1', roles: ['customer'] };

describe('VerifiedTokenCache', () => {
  it('knows a token until its expiry or its time to live, whichever comes first', () => {
    const cache = new VerifiedTokenCache({ maxEntries: 10, ttlMs: 1_000 });
    cache.add('a', CALLER, 5_000, 0);
    expect(cache.get('a', 999)).toBe(CALLER);
    expect(cache.get('a', 1_000)).toBeUndefined();
    expect(cache.size).toBe(0);
    cache.add('b', CALLER, 1_500, 1_000);
    expect(cache.get('b', 1_499)).toBe(CALLER);
    expect(cache.get('b', 1_500)).toBeUndefined();
    expect(cache.get('c', 0)).toBeUndefined();
  });

  it('lets the oldest entry go when full', () => {
    const cache = new VerifiedTokenCache({ maxEntries: 2, ttlMs: 1_000 });
    cache.add('a', CALLER, 5_000, 0);
    cache.add('b', CALLER, 5_000, 0);
    cache.add('c', CALLER, 5_000, 0);
    expect(cache.size).toBe(2);
    expect(cache.get('a', 1)).toBeUndefined();
    expect(cache.get('c', 1)).toBe(CALLER);
  });

  it('keeps nothing when turned off, nor tokens past the length bound', () => {
    const off = new VerifiedTokenCache({ maxEntries: 0, ttlMs: 1_000 });
    off.add('a', CALLER, 5_000, 0);
    expect(off.size).toBe(0);
    const on = new VerifiedTokenCache({ maxEntries: 10, ttlMs: 1_000 });
    on.add('x'.repeat(MAX_CACHED_TOKEN_LENGTH + 1), CALLER, 5_000, 0);
    expect(on.size).toBe(0);
  });
});

describe('TokenVerifier with its cache', () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  it('refuses a known token once it expires (with the clock skew), as an expired one', async () => {
    vi.useFakeTimers({ toFake: ['Date'] });
    const verifier = await TokenVerifier.create({
      hs256Secret: TEST_SECRET,
      jwksUrl: undefined,
      issuer: undefined,
      audience: undefined,
      clockSkewSeconds: 5,
    });
    const exp = nowSeconds() + 60;
    const header = `Bearer ${await signed(TEST_SECRET, claims({ exp }))}`;
    const caller = await verifier.verify(header);
    expect(await verifier.verify(header)).toBe(caller);
    expect(Object.isFrozen(caller) && Object.isFrozen(caller.roles)).toBe(true);
    vi.setSystemTime((exp + 4) * 1000);
    expect(await verifier.verify(header)).toEqual(caller);
    vi.setSystemTime((exp + 5) * 1000);
    await expect(verifier.verify(header)).rejects.toMatchObject({ reason: 'expired' });
  });
});
