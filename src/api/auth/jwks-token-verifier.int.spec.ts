import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import {
  KeySetUnavailableError,
  UnauthenticatedError,
  type UnauthenticatedReason,
} from './auth.errors.js';
import {
  JwksEndpoint,
  TEST_SECRET,
  type TestKeyPair,
  claims,
  keyPair,
  nowSeconds,
  publicJwk,
  signed,
  unsigned,
} from '../../../test-kit/token.fixtures.js';
import { type JwksBounds, TokenVerifier, type TokenVerifierOptions } from './token-verifier.js';

const BOUNDS: JwksBounds = { timeoutMs: 1_000, cooldownMs: 0, cacheMaxAgeMs: 600_000 };

const endpoint = new JwksEndpoint();
let rsa: TestKeyPair;
let ec: TestKeyPair;
let rotated: TestKeyPair;

function options(overrides: Partial<TokenVerifierOptions> = {}): TokenVerifierOptions {
  return {
    hs256Secret: undefined,
    jwksUrl: endpoint.url,
    issuer: undefined,
    audience: undefined,
    clockSkewSeconds: 30,
    jwksBounds: BOUNDS,
    ...overrides,
  };
}

const rs256 = (
  pair: TestKeyPair,
  kid: string,
  extra: Record<string, unknown> = {},
): Promise<string> => signed(pair.privateKey, claims(extra), { alg: 'RS256', kid, typ: 'JWT' });

async function failure(verifier: TokenVerifier, token: string): Promise<unknown> {
  return verifier.verify(`Bearer ${token}`).then(
    () => undefined,
    (error: unknown) => error,
  );
}

async function expectRefused(
  verifier: TokenVerifier,
  token: string,
  reason: UnauthenticatedReason,
): Promise<void> {
  const error = await failure(verifier, token);
  expect(error).toBeInstanceOf(UnauthenticatedError);
  expect((error as UnauthenticatedError).reason).toBe(reason);
}

beforeAll(async () => {
  [rsa, ec, rotated] = await Promise.all([keyPair('RS256'), keyPair('ES256'), keyPair('RS256')]);
  await endpoint.start();
});

afterAll(() => endpoint.stop());

beforeEach(async () => {
  endpoint.keys = [await publicJwk(rsa, 'rsa-1', 'RS256'), await publicJwk(ec, 'ec-1', 'ES256')];
  endpoint.fetches = 0;
  endpoint.mode = 'serve';
});

describe('TokenVerifier with an identity provider key set (JWKS)', () => {
  it('verifies RS256 and ES256 tokens with keys fetched once', async () => {
    const verifier = await TokenVerifier.create(options());
    const admin = await rs256(rsa, 'rsa-1', { sub: 'ops-7', roles: ['admin'] });
    expect(await verifier.verify(`Bearer ${admin}`)).toEqual({ sub: 'ops-7', roles: ['admin'] });
    const es = await signed(ec.privateKey, claims(), { alg: 'ES256', kid: 'ec-1' });
    expect(await verifier.verify(`Bearer ${es}`)).toEqual({ sub: 'c-1', roles: ['customer'] });
    expect(await verifier.verify(`Bearer ${admin}`)).toMatchObject({ sub: 'ops-7' });
    expect(endpoint.fetches).toBe(1);
  });

  it('fetches the key set again for an unknown kid (a rotated key)', async () => {
    const verifier = await TokenVerifier.create(options());
    await verifier.verify(`Bearer ${await rs256(rsa, 'rsa-1')}`);
    endpoint.keys = [await publicJwk(rotated, 'rsa-2', 'RS256')];
    expect(await verifier.verify(`Bearer ${await rs256(rotated, 'rsa-2')}`)).toMatchObject({
      sub: 'c-1',
    });
    expect(endpoint.fetches).toBe(2);
    // A kid the provider does not know even after a fetch is refused.
    await expectRefused(verifier, await rs256(rotated, 'rsa-9'), 'unknown-key');
  });

  it('fetches no more than once per cooldown, however many unknown kids arrive', async () => {
    const verifier = await TokenVerifier.create(
      options({ jwksBounds: { ...BOUNDS, cooldownMs: 60_000 } }),
    );
    await verifier.verify(`Bearer ${await rs256(rsa, 'rsa-1')}`);
    endpoint.keys.push(await publicJwk(rotated, 'rsa-2', 'RS256'));
    for (let attempt = 0; attempt < 5; attempt++) {
      await expectRefused(verifier, await rs256(rotated, 'rsa-2'), 'unknown-key');
    }
    expect(endpoint.fetches).toBe(1);
  });

  it('stops accepting a known token once its key is withdrawn, within the bounds', async () => {
    // Keys are fetched anew on every miss (max age 0); a verified token is trusted 200 ms.
    const verifier = await TokenVerifier.create(
      options({
        jwksBounds: { ...BOUNDS, cacheMaxAgeMs: 0 },
        cacheBounds: { maxEntries: 100, ttlMs: 200 },
      }),
    );
    const token = await rs256(rsa, 'rsa-1');
    await verifier.verify(`Bearer ${token}`);
    endpoint.keys = [await publicJwk(rotated, 'rsa-2', 'RS256')];
    expect(await verifier.verify(`Bearer ${token}`)).toMatchObject({ sub: 'c-1' });
    expect(endpoint.fetches).toBe(1);
    await new Promise((resolve) => setTimeout(resolve, 250));
    await expectRefused(verifier, token, 'unknown-key');
  });

  it('refuses a token whose signature another key made under a known kid', async () => {
    const verifier = await TokenVerifier.create(options());
    await expectRefused(verifier, await rs256(rotated, 'rsa-1'), 'bad-signature');
  });

  it('refuses HS256 tokens when only the key set is configured (algorithm confusion)', async () => {
    const verifier = await TokenVerifier.create(options());
    // The classic attack: the published RSA key used as an HMAC secret.
    const publicKeyBytes = new TextEncoder().encode(JSON.stringify(endpoint.keys[0]));
    await expectRefused(verifier, await signed(publicKeyBytes, claims()), 'hs256-without-secret');
    await expectRefused(verifier, await signed(TEST_SECRET, claims()), 'hs256-without-secret');
    await expectRefused(verifier, unsigned(claims()), 'alg-none');
    expect(endpoint.fetches).toBe(0);
  });

  it('with a secret too, takes each token by its alg, never the other key', async () => {
    const verifier = await TokenVerifier.create(options({ hs256Secret: TEST_SECRET }));
    expect(
      await verifier.verify(`Bearer ${await signed(TEST_SECRET, claims({ sub: 'c-2' }))}`),
    ).toMatchObject({ sub: 'c-2' });
    expect(await verifier.verify(`Bearer ${await rs256(rsa, 'rsa-1')}`)).toMatchObject({
      sub: 'c-1',
    });
    const publicKeyBytes = new TextEncoder().encode(JSON.stringify(endpoint.keys[0]));
    await expectRefused(
      verifier,
      await signed(publicKeyBytes, claims(), { alg: 'HS256', kid: 'rsa-1' }),
      'bad-signature',
    );
  });

  it('applies the time, issuer and audience checks to key set tokens', async () => {
    const verifier = await TokenVerifier.create(
      options({ issuer: 'https://id.example', audience: 'ledger' }),
    );
    const good = { iss: 'https://id.example', aud: 'ledger' };
    expect(await verifier.verify(`Bearer ${await rs256(rsa, 'rsa-1', good)}`)).toMatchObject({
      sub: 'c-1',
    });
    await expectRefused(
      verifier,
      await rs256(rsa, 'rsa-1', { ...good, exp: nowSeconds() - 60 }),
      'expired',
    );
    await expectRefused(
      verifier,
      await rs256(rsa, 'rsa-1', { ...good, nbf: nowSeconds() + 60 }),
      'not-yet-valid',
    );
    await expectRefused(
      verifier,
      await rs256(rsa, 'rsa-1', { ...good, iss: 'https://other.example' }),
      'issuer-mismatch',
    );
    await expectRefused(
      verifier,
      await rs256(rsa, 'rsa-1', { ...good, aud: 'billing' }),
      'audience-mismatch',
    );
    await expectRefused(
      verifier,
      await rs256(rsa, 'rsa-1', { ...good, roles: ['superuser'] }),
      'unknown-role',
    );
  });

  it.each([
    ['answers an error status', 'fail'],
    ['does not answer within the timeout', 'hang'],
  ] as const)('is unavailable, not a refusal, when the provider %s', async (_case, mode) => {
    endpoint.mode = mode;
    const verifier = await TokenVerifier.create(
      options({ jwksBounds: { ...BOUNDS, timeoutMs: 200 } }),
    );
    const started = Date.now();
    const error = await failure(verifier, await rs256(rsa, 'rsa-1'));
    expect(error).toBeInstanceOf(KeySetUnavailableError);
    expect((error as KeySetUnavailableError).code).toBe('SERVICE_UNAVAILABLE');
    expect(Date.now() - started).toBeLessThan(2_000);
  });

  it('is unavailable when nothing listens at the URL', async () => {
    const closed = new JwksEndpoint();
    await closed.start();
    const url = closed.url;
    await closed.stop();
    const verifier = await TokenVerifier.create(options({ jwksUrl: url }));
    expect(await failure(verifier, await rs256(rsa, 'rsa-1'))).toBeInstanceOf(
      KeySetUnavailableError,
    );
  });
});
