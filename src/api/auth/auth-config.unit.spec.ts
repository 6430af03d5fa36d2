import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../config/ledger-config.js';

/** The bearer-token settings of LedgerConfig (README, "Configuration"). */
describe('loadConfig: authentication settings', () => {
  it('has no secret, no key set, a 30 s clock skew and bounded request rates by default', () => {
    expect(loadConfig({}).auth).toEqual({
      jwtSecret: undefined,
      jwksUrl: undefined,
      issuer: undefined,
      audience: undefined,
      clockSkewSeconds: 30,
      requestsPerSecond: 100,
      anonymousRequestsPerSecond: 10,
      metricsAccess: 'admin',
    });
  });

  it('reads every setting', () => {
    const auth = loadConfig({
      LEDGER_JWT_SECRET: '  0123456789abcdef0123456789abcdef  ',
      LEDGER_JWKS_URL: 'https://id.example/.well-known/jwks.json',
      LEDGER_JWT_ISSUER: 'https://id.example/',
      LEDGER_JWT_AUDIENCE: 'ledger-api',
      LEDGER_JWT_CLOCK_SKEW_SECONDS: '5',
      LEDGER_RATE_LIMIT_PER_SECOND: '0',
      LEDGER_ANONYMOUS_RATE_LIMIT_PER_SECOND: '3',
      LEDGER_METRICS_ACCESS: 'open',
    }).auth;
    expect(auth).toEqual({
      jwtSecret: new TextEncoder().encode('0123456789abcdef0123456789abcdef'),
      jwksUrl: new URL('https://id.example/.well-known/jwks.json'),
      issuer: 'https://id.example/',
      audience: 'ledger-api',
      clockSkewSeconds: 5,
      requestsPerSecond: 0,
      anonymousRequestsPerSecond: 3,
      metricsAccess: 'open',
    });
  });

  it('counts the secret in bytes: 32 of them at least', () => {
    expect(loadConfig({ LEDGER_JWT_SECRET: 'é'.repeat(16) }).auth.jwtSecret).toHaveLength(32);
    expect(() => loadConfig({ LEDGER_JWT_SECRET: 'x'.repeat(31) })).toThrow(
      /^LEDGER_JWT_SECRET must be 32 to 4096 bytes \(it has 31\)/,
    );
  });

  it.each([
    ['a short secret', 'short-secret-value'],
    ['a huge one', 'y'.repeat(5_000)],
  ])('refuses %s without printing it', (_case, secret) => {
    let message = '';
    try {
      loadConfig({ LEDGER_JWT_SECRET: secret });
    } catch (error) {
      message = (error as Error).message;
    }
    expect(message).toMatch(/^LEDGER_JWT_SECRET must be/);
    expect(message).not.toContain(secret.slice(0, 8));
  });

  it('takes a JWKS URL over https, or http on loopback only', () => {
    for (const url of [
      'http://127.0.0.1:8080/jwks',
      'http://localhost/jwks',
      'http://[::1]:9/jwks',
    ]) {
      expect(loadConfig({ LEDGER_JWKS_URL: url }).auth.jwksUrl?.href).toBe(new URL(url).href);
    }
    expect(() => loadConfig({ LEDGER_JWKS_URL: 'http://id.example/jwks' })).toThrow(
      /LEDGER_JWKS_URL must be an https URL .* got http:\/\/id.example$/,
    );
    expect(() => loadConfig({ LEDGER_JWKS_URL: 'ftp://id.example/jwks' })).toThrow(/https URL/);
    expect(() => loadConfig({ LEDGER_JWKS_URL: 'id.example/jwks' })).toThrow(/is not a URL/);
    expect(() => loadConfig({ LEDGER_JWKS_URL: 'https://user:pw@id.example/jwks' })).toThrow(
      /must not hold a user name or password/,
    );
  });

  it('bounds the clock skew and the issuer and audience', () => {
    expect(loadConfig({ LEDGER_JWT_CLOCK_SKEW_SECONDS: '0' }).auth.clockSkewSeconds).toBe(0);
    expect(loadConfig({ LEDGER_JWT_CLOCK_SKEW_SECONDS: '300' }).auth.clockSkewSeconds).toBe(300);
    for (const skew of ['301', '-1', '1.5', 'soon']) {
      expect(() => loadConfig({ LEDGER_JWT_CLOCK_SKEW_SECONDS: skew })).toThrow(
        /LEDGER_JWT_CLOCK_SKEW_SECONDS must be an integer from 0 to 300/,
      );
    }
    expect(() => loadConfig({ LEDGER_JWT_ISSUER: 'i'.repeat(1_025) })).toThrow(
      /LEDGER_JWT_ISSUER must be at most 1024 characters/,
    );
    expect(() => loadConfig({ LEDGER_JWT_AUDIENCE: 'a'.repeat(1_025) })).toThrow(
      /LEDGER_JWT_AUDIENCE/,
    );
  });
});
