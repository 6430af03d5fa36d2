/**
 * Rough verifications per second of TokenVerifier, 32 requests in flight on one event loop:
 * `npm run bench:tokens`. "Cold" checks every signature (cache
 * off), "cached" is a client sending its token again. RS256 and ES256 keys come from a
 * key set served on 127.0.0.1 (fetched once, then kept by jose).
 */
import { performance } from 'node:perf_hooks';
import {
  JwksEndpoint,
  TEST_SECRET,
  claims,
  keyPair,
  publicJwk,
  signed,
} from '../../test-kit/token.fixtures.js';
import { TokenVerifier, type TokenVerifierOptions } from '../../src/api/auth/token-verifier.js';

const DURATION_MS = 2_000;
const IN_FLIGHT = 32;

async function rate(label: string, verify: () => Promise<unknown>): Promise<void> {
  for (let warmup = 0; warmup < 1_000; warmup++) await verify();
  const before = performance.eventLoopUtilization();
  const started = performance.now();
  let count = 0;
  while (performance.now() - started < DURATION_MS) {
    await Promise.all(Array.from({ length: IN_FLIGHT }, verify));
    count += IN_FLIGHT;
  }
  const elapsedMs = performance.now() - started;
  const busy = performance.eventLoopUtilization(before).utilization;
  const perSecond = Math.round((count * 1000) / elapsedMs).toLocaleString('en-US');
  const loopMicros = ((busy * elapsedMs * 1000) / count).toFixed(1);
  console.log(
    `${label.padEnd(24)} ${perSecond.padStart(9)}/s  ${loopMicros} µs of event loop each`,
  );
}

const endpoint = new JwksEndpoint();
await endpoint.start();
try {
  const [rsa, ec] = await Promise.all([keyPair('RS256'), keyPair('ES256')]);
  endpoint.keys = [await publicJwk(rsa, 'rsa-1', 'RS256'), await publicJwk(ec, 'ec-1', 'ES256')];
  const options: TokenVerifierOptions = {
    hs256Secret: TEST_SECRET,
    jwksUrl: endpoint.url,
    issuer: undefined,
    audience: undefined,
    clockSkewSeconds: 30,
  };
  const cold = await TokenVerifier.create({ ...options, cacheBounds: { maxEntries: 0, ttlMs: 0 } });
  const cached = await TokenVerifier.create(options);
  const tokens = {
    HS256: `Bearer ${await signed(TEST_SECRET, claims())}`,
    RS256: `Bearer ${await signed(rsa.privateKey, claims(), { alg: 'RS256', kid: 'rsa-1' })}`,
    ES256: `Bearer ${await signed(ec.privateKey, claims(), { alg: 'ES256', kid: 'ec-1' })}`,
  };
  for (const [alg, header] of Object.entries(tokens)) {
    await rate(`${alg} cold`, () => cold.verify(header));
  }
  await rate('HS256 cached', () => cached.verify(tokens.HS256));
  console.log(`key set fetches: ${endpoint.fetches}`);
} finally {
  await endpoint.stop();
}
