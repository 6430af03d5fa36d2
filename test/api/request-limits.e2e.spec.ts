import { describe, expect, it } from 'vitest';
import { bearerFor, useTestApp } from '../support/test-app.js';

const ledger = useTestApp({
  auth: {
    jwtSecret: new TextEncoder().encode('the test apps sign their tokens with this'),
    jwksUrl: undefined,
    issuer: undefined,
    audience: undefined,
    clockSkewSeconds: 30,
    requestsPerSecond: 3,
    anonymousRequestsPerSecond: 2,
    metricsAccess: 'admin',
  },
});

const INSTRUMENTS = '{ instruments { symbol } }';

function codesOf(response: { errors?: { extensions?: { code?: string } }[] }): string[] {
  return (response.errors ?? []).map((error) => error.extensions?.code ?? 'NO_CODE');
}

describe('request limits and /metrics', () => {
  it('answers RATE_LIMITED with retryAfterMs past a caller’s requests a second, others unaffected', async () => {
    const busy = await bearerFor('busy-customer', ['customer']);
    const answers = await Promise.all(
      Array.from({ length: 5 }, () => ledger.gqlWith(busy, INSTRUMENTS)),
    );
    const limited = answers.filter((answer) => codesOf(answer).includes('RATE_LIMITED'));
    expect(limited).toHaveLength(2);
    const retryAfterMs = (limited[0]!.errors![0]!.extensions as { retryAfterMs?: number })
      .retryAfterMs;
    expect(retryAfterMs).toBeGreaterThan(0);
    expect(retryAfterMs).toBeLessThanOrEqual(1_000);
    const calm = await bearerFor('calm-customer', ['customer']);
    expect(codesOf(await ledger.gqlWith(calm, INSTRUMENTS))).toEqual([]);
  });

  it('slows down requests without a valid token by address', async () => {
    const answers = [];
    for (let attempt = 0; attempt < 4; attempt++) {
      answers.push(codesOf(await ledger.gqlWith('Bearer forged', INSTRUMENTS)));
    }
    expect(answers).toEqual([
      ['UNAUTHENTICATED'],
      ['UNAUTHENTICATED'],
      ['RATE_LIMITED'],
      ['RATE_LIMITED'],
    ]);
  });

  it('serves /metrics to an admin token only, and /health to anyone', async () => {
    const get = async (url: string, authorization?: string) =>
      (
        await ledger.app.inject({
          method: 'GET',
          url,
          headers: authorization ? { authorization } : {},
        })
      ).statusCode;
    expect(await get('/metrics')).toBe(401);
    expect(await get('/metrics', await bearerFor('metrics-customer', ['customer']))).toBe(403);
    expect(await get('/metrics', await bearerFor('metrics-admin', ['admin']))).toBe(200);
    expect(await get('/health/live')).toBe(200);
  });
});
