import { describe, expect, it } from 'vitest';
import { type LedgerConfig, loadConfig } from '../../config/ledger-config.js';
import { type ProjectionStatusRepository } from '../repositories/projection-status.repository.js';
import { ProjectionLagCheck } from './projection-lag.check.js';

function checkWith(lagMs: Record<string, number>, env: Record<string, string>): ProjectionLagCheck {
  const checkpoints = {
    lagMs: () => Promise.resolve(new Map(Object.entries(lagMs))),
  } as unknown as ProjectionStatusRepository;
  const config: LedgerConfig = loadConfig(env);
  return new ProjectionLagCheck(checkpoints, config);
}

describe('ProjectionLagCheck', () => {
  it('is up while every view is within the threshold, and shows each lag', async () => {
    const check = checkWith({ accounts: 1_500, orders: 0 }, { LEDGER_READY_MAX_LAG_SECONDS: '2' });
    expect(await check.verdict()).toEqual({
      status: 'up',
      data: { maxLagSeconds: 2, lagSeconds: { accounts: 1.5, orders: 0 }, behind: [] },
    });
  });

  it('reports a view over the threshold as degraded by default: the process stays ready', async () => {
    const check = checkWith({ accounts: 90_000, orders: 10 }, {});
    expect(await check.verdict()).toEqual({
      status: 'degraded',
      data: { maxLagSeconds: 60, lagSeconds: { accounts: 90, orders: 0.01 }, behind: ['accounts'] },
    });
  });

  it('fails readiness over the threshold when LEDGER_READY_LAG=fail', async () => {
    const check = checkWith(
      { reports: 5_000 },
      {
        LEDGER_READY_MAX_LAG_SECONDS: '4',
        LEDGER_READY_LAG: 'fail',
      },
    );
    expect((await check.verdict()).status).toBe('down');
  });

  it('says lag is not measured when the events are in EventStoreDB', async () => {
    const check = checkWith({ accounts: 90_000 }, { EVENTSTORE_URL: 'esdb://localhost:2113' });
    expect(await check.verdict()).toEqual({ status: 'up', data: { measured: false } });
  });
});
