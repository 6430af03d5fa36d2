import { randomInt } from 'node:crypto';

/**
 * A randomized suite's seed: LEDGER_TEST_SEED when set, to repeat a run, else a fresh
 * one. Printed either way, so that a failing run can be repeated.
 */
export function testSeed(suite: string): number {
  const given = process.env['LEDGER_TEST_SEED']?.trim();
  const seed = given ? Number(given) : randomInt(1, 2 ** 31);
  if (!Number.isSafeInteger(seed)) {
    throw new Error(`LEDGER_TEST_SEED must be an integer, got ${JSON.stringify(given)}`);
  }
  console.log(`${suite} seed ${seed} (LEDGER_TEST_SEED=${seed} to repeat)`);
  return seed;
}
