import { CompactSign, exportJWK } from 'jose';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  MAX_AUTHORIZATION_LENGTH,
  UNAUTHENTICATED_REASONS,
  UnauthenticatedError,
  type UnauthenticatedReason,
} from './auth.errors.js';
import {
  TEST_SECRET,
  type TestKeyPair,
  claims,
  keyPair,
  nowSeconds,
  signed,
  unsigned,
  withParts,
} from '../../../test-kit/token.fixtures.js';
import { TokenVerifier, type TokenVerifierOptions } from './token-verifier.js';

const OPTIONS: TokenVerifierOptions = {
  hs256Secret: TEST_SECRET,
  jwksUrl: undefined,
  issuer: undefined,
  audience: undefined,
  clockSkewSeconds: 30,
};

let verifier: TokenVerifier;
let rsa: TestKeyPair;

beforeAll(async () => {
  verifier = await TokenVerifier.create(OPTIONS);
  rsa = await keyPair('RS256');
});

/** The refusal of a header, checked for its code and that it quotes nothing of the token. */
async function refusal(
  authorization: string | undefined,
  using: TokenVerifier = verifier,
): Promise<UnauthenticatedError> {
  const error = await using.verify(authorization).then(
    () => undefined,
    (thrown: unknown) => thrown,
  );
  expect(error).toBeInstanceOf(UnauthenticatedError);
  const refused = error as UnauthenticatedError;
  expect(refused.code).toBe('UNAUTHENTICATED');
  expect(refused.name).toBe('UnauthenticatedError');
  for (const part of (authorization ?? '').split(/[.\s]+/)) {
    if (part.length >= 4) expect(refused.message).not.toContain(part);
  }
  return refused;
}

async function expectRefused(
  authorization: string | undefined,
  reason: UnauthenticatedReason,
  using?: TokenVerifier,
): Promise<string> {
  const error = await refusal(authorization, using);
  expect(error.reason).toBe(reason);
  return error.message;
}

const bearer = (token: string): string => `Bearer ${token}`;

describe('TokenVerifier with an HS256 secret', () => {
  it('answers the subject and the roles of a valid token', async () => {
    const token = await signed(TEST_SECRET, claims({ roles: ['admin', 'customer', 'admin'] }));
    expect(await verifier.verify(bearer(token))).toEqual({
      sub: 'c-1',
      roles: ['customer', 'admin'],
    });
    // The scheme is case-insensitive (RFC 9110); blanks around the value are not the token's.
    expect(await verifier.verify(`  bearer \t${token}  `)).toMatchObject({ sub: 'c-1' });
  });

  it('allows the configured clock skew on exp and nbf, and no more', async () => {
    const now = nowSeconds();
    await expect(
      verifier.verify(bearer(await signed(TEST_SECRET, claims({ exp: now - 10 })))),
    ).resolves.toMatchObject({ sub: 'c-1' });
    await expect(
      verifier.verify(bearer(await signed(TEST_SECRET, claims({ nbf: now + 10 })))),
    ).resolves.toMatchObject({ sub: 'c-1' });
    const strict = await TokenVerifier.create({ ...OPTIONS, clockSkewSeconds: 0 });
    await expectRefused(
      bearer(await signed(TEST_SECRET, claims({ exp: now - 2 }))),
      'expired',
      strict,
    );
  });

  it.each<[string, () => Promise<string | undefined>, UnauthenticatedReason]>([
    ['no header', async () => undefined, 'missing-header'],
    ['an empty header', async () => '', 'missing-header'],
    ['a blank header', async () => '   ', 'missing-header'],
    [
      'an oversized header',
      async () => bearer('a'.repeat(MAX_AUTHORIZATION_LENGTH)),
      'header-too-long',
    ],
    ['the Basic scheme', async () => 'Basic dXNlcjpwYXNzd29yZA==', 'not-bearer'],
    ['a token without a scheme', async () => signed(TEST_SECRET, claims()), 'not-bearer'],
    ['Bearer without a token', async () => 'Bearer', 'malformed-token'],
    [
      'Bearer with two values',
      async () => 'Bearer abcd.efgh.ijkl mnop.qrst.uvwx',
      'malformed-token',
    ],
    ['two parts', async () => bearer('eyJhbGciOiJIUzI1NiJ9.e30'), 'malformed-token'],
    ['non-base64url characters', async () => bearer('eyJh*GciOi.e30.sig'), 'malformed-token'],
    ['a header that is not JSON', async () => bearer('bm90IGpzb24.e30.c2ln'), 'malformed-token'],
    [
      'a header that is a JSON array',
      async () => bearer(withParts(['HS256'], claims())),
      'malformed-token',
    ],
    [
      'a header without alg',
      async () => bearer(withParts({ typ: 'JWT' }, claims())),
      'malformed-token',
    ],
    [
      'alg none, crafted by hand',
      async () => bearer(unsigned(claims({ roles: ['admin'] }))),
      'alg-none',
    ],
    ['alg NONE in capitals', async () => bearer(unsigned(claims(), 'NONE')), 'alg-none'],
    [
      'alg none with a signature',
      async () => bearer(withParts({ alg: 'none' }, claims())),
      'alg-none',
    ],
    [
      'HS512',
      async () => bearer(await signed(new Uint8Array(64).fill(7), claims(), { alg: 'HS512' })),
      'alg-not-allowed',
    ],
    ['PS256', async () => bearer(withParts({ alg: 'PS256' }, claims())), 'alg-not-allowed'],
    [
      'an expired token',
      async () => bearer(await signed(TEST_SECRET, claims({ exp: nowSeconds() - 120 }))),
      'expired',
    ],
    [
      'a token not valid yet',
      async () => bearer(await signed(TEST_SECRET, claims({ nbf: nowSeconds() + 120 }))),
      'not-yet-valid',
    ],
    [
      'a token without exp',
      async () => bearer(await signed(TEST_SECRET, claims({ exp: undefined }))),
      'no-expiry',
    ],
    [
      'exp that is not a number',
      async () => bearer(await signed(TEST_SECRET, claims({ exp: 'tomorrow' }))),
      'invalid-claim',
    ],
    [
      'a token of another secret',
      async () =>
        bearer(
          await signed(
            new TextEncoder().encode('another secret that is longer than 32 bytes'),
            claims(),
          ),
        ),
      'bad-signature',
    ],
    [
      'a token signed with RS256',
      async () => bearer(await signed(rsa.privateKey, claims(), { alg: 'RS256' })),
      'public-key-without-jwks',
    ],
    [
      'a token without sub',
      async () => bearer(await signed(TEST_SECRET, claims({ sub: undefined }))),
      'missing-sub',
    ],
    [
      'a numeric sub',
      async () => bearer(await signed(TEST_SECRET, claims({ sub: 42 }))),
      'invalid-sub',
    ],
    [
      'an empty sub',
      async () => bearer(await signed(TEST_SECRET, claims({ sub: '' }))),
      'invalid-sub',
    ],
    [
      'a sub with a bidi override',
      async () => bearer(await signed(TEST_SECRET, claims({ sub: 'c-1\u202e' }))),
      'invalid-sub',
    ],
    [
      'a sub with a lone surrogate',
      async () => bearer(await signed(TEST_SECRET, claims({ sub: 'c-\ud800' }))),
      'invalid-sub',
    ],
    [
      'a sub of 257 characters',
      async () => bearer(await signed(TEST_SECRET, claims({ sub: 'c'.repeat(257) }))),
      'invalid-sub',
    ],
    [
      'a token without roles',
      async () => bearer(await signed(TEST_SECRET, claims({ roles: undefined }))),
      'missing-roles',
    ],
    [
      'roles as a string',
      async () => bearer(await signed(TEST_SECRET, claims({ roles: 'admin' }))),
      'roles-not-array',
    ],
    [
      'roles as an object',
      async () => bearer(await signed(TEST_SECRET, claims({ roles: { admin: true } }))),
      'roles-not-array',
    ],
    ['no roles', async () => bearer(await signed(TEST_SECRET, claims({ roles: [] }))), 'no-roles'],
    [
      'an unknown role',
      async () => bearer(await signed(TEST_SECRET, claims({ roles: ['customer', 'root'] }))),
      'unknown-role',
    ],
    [
      'a role of another case',
      async () => bearer(await signed(TEST_SECRET, claims({ roles: ['Admin'] }))),
      'unknown-role',
    ],
    [
      'a role that is not text',
      async () => bearer(await signed(TEST_SECRET, claims({ roles: [1] }))),
      'unknown-role',
    ],
    [
      'too many role entries',
      async () => bearer(await signed(TEST_SECRET, claims({ roles: Array(17).fill('customer') }))),
      'unknown-role',
    ],
  ])('refuses %s', async (_case, header, reason) => {
    await expectRefused(await header(), reason);
  });

  it('refuses an altered payload under the original signature', async () => {
    const [head, , signature] = (await signed(TEST_SECRET, claims())).split('.');
    const [, adminPayload] = (await signed(TEST_SECRET, claims({ roles: ['admin'] }))).split('.');
    await expectRefused(bearer(`${head}.${adminPayload}.${signature}`), 'bad-signature');
  });

  it('refuses a signed payload that is not a JSON object', async () => {
    const token = await new CompactSign(new TextEncoder().encode('[1,2,3]'))
      .setProtectedHeader({ alg: 'HS256' })
      .sign(TEST_SECRET);
    await expectRefused(bearer(token), 'malformed-token');
  });

  it('refuses an HS256 token keyed with the public key (algorithm confusion)', async () => {
    const publicJwk = new TextEncoder().encode(JSON.stringify(await exportJWK(rsa.publicKey)));
    await expectRefused(bearer(await signed(publicJwk, claims())), 'bad-signature');
  });

  it('checks the issuer and the audience when configured', async () => {
    const strict = await TokenVerifier.create({
      ...OPTIONS,
      issuer: 'https://ledger.example',
      audience: 'ledger-api',
    });
    const token = (extra: Record<string, unknown>): Promise<string> =>
      signed(TEST_SECRET, claims({ iss: 'https://ledger.example', aud: 'ledger-api', ...extra }));
    expect(await strict.verify(bearer(await token({})))).toMatchObject({ sub: 'c-1' });
    expect(
      await strict.verify(bearer(await token({ aud: ['other', 'ledger-api'] }))),
    ).toMatchObject({ sub: 'c-1' });
    await expectRefused(bearer(await token({ iss: undefined })), 'issuer-mismatch', strict);
    await expectRefused(
      bearer(await token({ iss: 'https://evil.example' })),
      'issuer-mismatch',
      strict,
    );
    await expectRefused(bearer(await token({ aud: undefined })), 'audience-mismatch', strict);
    await expectRefused(bearer(await token({ aud: 'another-api' })), 'audience-mismatch', strict);
    // Without settings, iss and aud are not looked at.
    expect(await verifier.verify(bearer(await token({ iss: 'anyone' })))).toMatchObject({
      sub: 'c-1',
    });
  });

  it('gives each reason a message of its own', () => {
    const messages = UNAUTHENTICATED_REASONS.map(
      (reason) => new UnauthenticatedError(reason).message,
    );
    expect(new Set(messages).size).toBe(UNAUTHENTICATED_REASONS.length);
  });

  it('needs a secret or a key set', async () => {
    await expect(TokenVerifier.create({ ...OPTIONS, hs256Secret: undefined })).rejects.toThrow(
      /needs an HS256 secret, a JWKS URL, or both/,
    );
  });
});
