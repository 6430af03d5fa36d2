import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { holdingsProjection } from '../../src/projections/views/holdings.projection.js';
import { accountEvents as account, holdingEvents as holding } from './projected-events.js';
import { useProjectionDatabase } from './projection-database.fixture.js';
import { applyBatches, selectAll } from './projection-tables.js';

describe('holdings projection', () => {
  const db = useProjectionDatabase({ emptied: [holdingsProjection] });
  const { log } = db;
  const accountId = randomUUID();
  const buy = randomUUID();
  const sell = randomUUID();

  const holdings = async () =>
    (await selectAll(db.pool, 'view_holdings')).map((row) => [
      row['account_id'],
      row['instrument'],
      row['quantity'],
      row['reserved_quantity'],
      row['cost_basis_minor'],
    ]);

  it('folds reservations, acquisitions and disposals of one holding in one batch', async () => {
    log.holding(accountId, 'AAPL', holding.acquired(buy, 10n, 190_000n));
    log.holding(accountId, 'AAPL', holding.acquired(buy, 5n, 100_000n));
    log.holding(accountId, 'AAPL', holding.reserved(sell, 8n));
    log.holding(accountId, 'AAPL', holding.disposed(sell, 3n, 3n, 58_000n, 60_000n));
    log.holding(accountId, 'AAPL', holding.disposed(sell, 4n, 4n, 77_333n, 80_000n));
    log.holding(accountId, 'AAPL', holding.released(sell, 1n));

    await applyBatches(db.pool, holdingsProjection, [log.events]);

    expect(await holdings()).toEqual([[accountId, 'AAPL', '8', '0', '154667']]);
    expect((await selectAll(db.pool, 'view_holdings'))[0]?.['updated_at']).toEqual(
      log.lastOccurredAt,
    );
  });

  it('adds to the row of an earlier batch', async () => {
    const first = log.holding(accountId, 'SAP', holding.acquired(buy, 10n, 175_000n));
    const second = [
      ...log.holding(accountId, 'SAP', holding.reserved(sell, 10n)),
      ...log.holding(accountId, 'SAP', holding.disposed(sell, 10n, 10n, 175_000n, 180_000n)),
    ];
    const third = log.holding(accountId, 'SAP', holding.acquired(buy, 2n, 36_000n));

    await applyBatches(db.pool, holdingsProjection, [first, second]);
    expect(await holdings()).toEqual([[accountId, 'SAP', '0', '0', '0']]);
    await applyBatches(db.pool, holdingsProjection, [third]);
    expect(await holdings()).toEqual([[accountId, 'SAP', '2', '0', '36000']]);
  });

  it('keeps each account and instrument apart, symbols with dashes included', async () => {
    const other = randomUUID();
    log.holding(accountId, 'AAPL', holding.acquired(buy, 1n, 100n));
    log.holding(other, 'AAPL', holding.acquired(buy, 2n, 200n));
    log.holding(accountId, 'BRK-B', holding.acquired(buy, 3n, 300n));
    log.holding(accountId, 'AAPL', holding.reserved(sell, 1n));

    await applyBatches(db.pool, holdingsProjection, [log.events]);

    expect((await holdings()).sort((a, b) => String(a[2]).localeCompare(String(b[2])))).toEqual([
      [accountId, 'AAPL', '1', '1', '100'],
      [other, 'AAPL', '2', '0', '200'],
      [accountId, 'BRK-B', '3', '0', '300'],
    ]);
  });

  it('ignores the events of other streams', async () => {
    log.account(accountId, account.opened(accountId), account.deposited(accountId, 1n));

    await applyBatches(db.pool, holdingsProjection, [log.events]);

    expect(await holdings()).toEqual([]);
  });

  it('refuses a holding stream whose name it cannot read', async () => {
    log.append('holding-not-a-uuid-AAPL', holding.acquired(buy, 1n, 1n));

    await expect(applyBatches(db.pool, holdingsProjection, [log.events])).rejects.toThrow(
      /malformed holding stream/,
    );
  });
});
