import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { decodeJwt, decodeProtectedHeader } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../config/ledger-config.js';
import { TEST_SECRET } from '../../../test-kit/token.fixtures.js';
import {
  TokenMintingError,
  type TokenRequest,
  mintToken,
  mintTokenForSettings,
} from './token-minter.js';
import { DEFAULT_TOKEN_TTL_SECONDS, MAX_TOKEN_TTL_SECONDS, parseTtlSeconds } from './token-ttl.js';
import { TokenVerifier, createTokenVerifier } from './token-verifier.js';

const REQUEST: TokenRequest = { sub: 'c-1', roles: ['customer'], ttlSeconds: 3_600 };
const NO_CLAIMS = { issuer: undefined, audience: undefined };

let dataDir: string;

beforeAll(async () => {
  dataDir = await mkdtemp(join(tmpdir(), 'ledger-minter-'));
});

afterAll(() => rm(dataDir, { recursive: true, force: true }));

describe('parseTtlSeconds', () => {
  it.each([
    ['1s', 1],
    ['90s', 90],
    ['15m', 900],
    ['1h', 3_600],
    [' 2h ', 7_200],
    ['7d', 604_800],
    ['30d', MAX_TOKEN_TTL_SECONDS],
    ['720h', MAX_TOKEN_TTL_SECONDS],
  ])('reads %j as %i seconds', (text, seconds) => {
    expect(parseTtlSeconds(text)).toBe(seconds);
  });

  it.each([
    '',
    '0s',
    '31d',
    '721h',
    '1',
    'h',
    '1.5h',
    '-1h',
    '1H',
    '1w',
    '01h',
    '1 h',
    '1e3s',
    '99999999999d',
  ])('refuses %j', (text) => {
    expect(parseTtlSeconds(text)).toBeUndefined();
  });

  it('defaults to an hour', () => {
    expect(DEFAULT_TOKEN_TTL_SECONDS).toBe(3_600);
  });
});

describe('mintToken', () => {
  it('signs sub, roles, iat and exp with HS256', async () => {
    const now = new Date('2030-01-02T03:04:05.678Z');
    const minted = await mintToken(
      TEST_SECRET,
      { ...REQUEST, roles: ['admin', 'customer'] },
      NO_CLAIMS,
      now,
    );
    expect(decodeProtectedHeader(minted.token)).toEqual({ alg: 'HS256', typ: 'JWT' });
    const issuedAt = Math.floor(now.getTime() / 1000);
    expect(decodeJwt(minted.token)).toEqual({
      sub: 'c-1',
      roles: ['customer', 'admin'],
      iat: issuedAt,
      exp: issuedAt + 3_600,
    });
    expect(minted.expiresAt).toEqual(new Date((issuedAt + 3_600) * 1000));
  });

  it('adds the configured issuer and audience, which the verifier then requires', async () => {
    const claims = { issuer: 'https://ledger.example', audience: 'ledger-api' };
    const { token } = await mintToken(TEST_SECRET, REQUEST, claims);
    expect(decodeJwt(token)).toMatchObject({ iss: claims.issuer, aud: claims.audience });
    const verifier = await TokenVerifier.create({
      hs256Secret: TEST_SECRET,
      jwksUrl: undefined,
      ...claims,
      clockSkewSeconds: 0,
    });
    expect(await verifier.verify(`Bearer ${token}`)).toEqual({ sub: 'c-1', roles: ['customer'] });
  });

  it.each<[string, TokenRequest]>([
    ['an empty subject', { ...REQUEST, sub: '' }],
    ['no role', { ...REQUEST, roles: [] }],
    ['a lifetime of 0', { ...REQUEST, ttlSeconds: 0 }],
    ['a lifetime past 30 days', { ...REQUEST, ttlSeconds: MAX_TOKEN_TTL_SECONDS + 1 }],
  ])('will not mint a token with %s', async (_case, request) => {
    await expect(mintToken(TEST_SECRET, request, NO_CLAIMS)).rejects.toThrow(RangeError);
  });
});

describe('mintTokenForSettings', () => {
  it("mints with the data directory's secret, which the app's verifier shares", async () => {
    const config = loadConfig({ LEDGER_DATA_DIR: dataDir });
    const minted = await mintTokenForSettings(config, REQUEST);
    expect(minted).toMatchObject({
      secretSource: join(dataDir, 'jwt-secret'),
      secretCreated: true,
    });
    const verifier = await createTokenVerifier(config);
    expect(await verifier.verify(`Bearer ${minted.token}`)).toEqual({
      sub: 'c-1',
      roles: ['customer'],
    });
  });

  it('refuses when only an identity provider is configured', async () => {
    const config = loadConfig({
      LEDGER_JWKS_URL: 'https://id.example/jwks',
      LEDGER_DATA_DIR: dataDir,
    });
    await expect(mintTokenForSettings(config, REQUEST)).rejects.toThrow(TokenMintingError);
    await expect(mintTokenForSettings(config, REQUEST)).rejects.toThrow(
      /LEDGER_JWKS_URL is set without LEDGER_JWT_SECRET/,
    );
  });
});
