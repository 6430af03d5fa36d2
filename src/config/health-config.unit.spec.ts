import { describe, expect, it } from 'vitest';
import { loadHealthConfig } from './health-config.js';

describe('loadHealthConfig', () => {
  it('has defaults', () => {
    expect(loadHealthConfig({})).toEqual({
      readyMaxLagSeconds: 60,
      readyLagPolicy: 'report',
      readyCheckTimeoutMs: 1_000,
    });
  });

  it('reads the LEDGER_READY_* variables', () => {
    expect(
      loadHealthConfig({
        LEDGER_READY_MAX_LAG_SECONDS: '5',
        LEDGER_READY_LAG: 'fail',
        LEDGER_READY_CHECK_TIMEOUT_MS: '250',
      }),
    ).toEqual({ readyMaxLagSeconds: 5, readyLagPolicy: 'fail', readyCheckTimeoutMs: 250 });
  });

  it('refuses a value out of range, naming the variable', () => {
    expect(() => loadHealthConfig({ LEDGER_READY_MAX_LAG_SECONDS: '0' })).toThrow(
      'LEDGER_READY_MAX_LAG_SECONDS',
    );
    expect(() => loadHealthConfig({ LEDGER_READY_LAG: 'ignore' })).toThrow('LEDGER_READY_LAG');
    expect(() => loadHealthConfig({ LEDGER_READY_CHECK_TIMEOUT_MS: '10' })).toThrow(
      'LEDGER_READY_CHECK_TIMEOUT_MS',
    );
  });
});
