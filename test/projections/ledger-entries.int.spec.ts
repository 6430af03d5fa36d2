import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { customerCash } from '../../src/domain/ledger.js';
import { ledgerEntriesProjection } from '../../src/projections/views/ledger-entries.projection.js';
import { accountEvents as account, orderEvents as order } from './projected-events.js';
import { useProjectionDatabase } from './projection-database.fixture.js';
import { applyBatches, selectAll } from './projection-tables.js';

describe('ledger-entries projection', () => {
  const db = useProjectionDatabase({ emptied: [ledgerEntriesProjection] });
  const { log } = db;
  const accountId = randomUUID();
  const orderId = randomUUID();
  const cash = customerCash(accountId);

  /** Each entry as [event type, posting index, ledger account, amount, currency]. */
  const journal = async () =>
    (await selectAll(db.pool, 'view_ledger_entries')).map((row) => [
      row['event_type'],
      row['posting_index'],
      row['ledger_account'],
      row['amount_minor'],
      row['currency'],
    ]);

  it('writes one row per posting, with the position, ids and time of its event', async () => {
    log.account(accountId, account.opened(accountId, 'GBP'));
    const [deposit] = log.account(accountId, account.deposited(accountId, 10_000n, 'salary'));
    const [fee] = log.account(accountId, account.feeCharged(accountId, orderId, 150n));

    await applyBatches(db.pool, ledgerEntriesProjection, [log.events]);

    const rows = await selectAll(db.pool, 'view_ledger_entries');
    expect(rows).toEqual([
      {
        commit_position: String(deposit!.recorded.position.commit),
        prepare_position: String(deposit!.recorded.position.prepare),
        posting_index: 0,
        ledger_account: 'external-bank',
        account_id: accountId,
        amount_minor: '-10000',
        currency: 'GBP',
        event_type: 'FundsDeposited',
        payment_id: deposit!.recorded.data['paymentId'],
        order_id: null,
        occurred_at: deposit!.recorded.createdAt,
      },
      expect.objectContaining({ posting_index: 1, ledger_account: cash, amount_minor: '10000' }),
      expect.objectContaining({
        commit_position: String(fee!.recorded.position.commit),
        posting_index: 0,
        ledger_account: cash,
        amount_minor: '-150',
        event_type: 'FeeCharged',
        order_id: orderId,
      }),
      expect.objectContaining({
        posting_index: 1,
        ledger_account: 'fee-income',
        amount_minor: '150',
      }),
    ]);
  });

  it('journals every money movement, each event and the whole summing to zero', async () => {
    log.account(accountId, account.opened(accountId, 'JPY'));
    log.account(accountId, account.deposited(accountId, 50_000n));
    log.account(accountId, account.withdrawn(accountId, 1_000n));
    log.account(accountId, account.cashReserved(orderId, 20_000n));
    log.account(accountId, account.feeCharged(accountId, orderId, 100n, 100n));
    log.account(accountId, account.settled(accountId, orderId, 'BUY', 19_000n, 19_000n));
    log.account(accountId, account.feeRefunded(accountId, orderId, 100n));
    log.account(accountId, account.settled(accountId, orderId, 'SELL', 19_500n));

    await applyBatches(db.pool, ledgerEntriesProjection, [log.events]);

    expect(await journal()).toEqual([
      ['FundsDeposited', 0, 'external-bank', '-50000', 'JPY'],
      ['FundsDeposited', 1, cash, '50000', 'JPY'],
      ['FundsWithdrawn', 0, cash, '-1000', 'JPY'],
      ['FundsWithdrawn', 1, 'external-bank', '1000', 'JPY'],
      ['FeeCharged', 0, cash, '-100', 'JPY'],
      ['FeeCharged', 1, 'fee-income', '100', 'JPY'],
      ['TradeCashSettled', 0, cash, '-19000', 'JPY'],
      ['TradeCashSettled', 1, 'market-settlement', '19000', 'JPY'],
      ['FeeRefunded', 0, 'fee-income', '-100', 'JPY'],
      ['FeeRefunded', 1, cash, '100', 'JPY'],
      ['TradeCashSettled', 0, 'market-settlement', '-19500', 'JPY'],
      ['TradeCashSettled', 1, cash, '19500', 'JPY'],
    ]);
    const { rows } = await db.pool.query<{ events: string; unbalanced: string; total: string }>(
      `SELECT count(*)::text AS events, count(*) FILTER (WHERE sum <> 0)::text AS unbalanced,
              coalesce(sum(sum), 0)::text AS total
         FROM (SELECT sum(amount_minor) FROM view_ledger_entries
                GROUP BY commit_position, prepare_position) AS per_event`,
    );
    expect(rows).toEqual([{ events: '6', unbalanced: '0', total: '0' }]);
    const balance = await db.pool.query<{ balance: string }>(
      'SELECT sum(amount_minor)::text AS balance FROM view_ledger_entries WHERE ledger_account = $1',
      [cash],
    );
    expect(balance.rows[0]?.balance).toBe(String(50_000 - 1_000 - 100 - 19_000 + 100 + 19_500));
  });

  it('finds the currency of an account opened in an earlier batch in its own table', async () => {
    const other = randomUUID();
    const first = [
      ...log.account(accountId, account.opened(accountId, 'CHF')),
      ...log.account(other, account.opened(other, 'SEK')),
    ];
    const second = [
      ...log.account(other, account.deposited(other, 7n)),
      ...log.account(accountId, account.deposited(accountId, 5n)),
    ];

    await applyBatches(db.pool, ledgerEntriesProjection, [first, second]);

    expect(await selectAll(db.pool, 'view_ledger_account_currencies')).toEqual(
      expect.arrayContaining([
        { account_id: accountId, currency: 'CHF' },
        { account_id: other, currency: 'SEK' },
      ]),
    );
    const byAccount = (await selectAll(db.pool, 'view_ledger_entries')).map((row) => [
      row['account_id'],
      row['currency'],
    ]);
    expect(byAccount).toEqual([
      [other, 'SEK'],
      [other, 'SEK'],
      [accountId, 'CHF'],
      [accountId, 'CHF'],
    ]);
  });

  it('fails a batch applied again rather than doubling the journal', async () => {
    log.account(accountId, account.opened(accountId), account.deposited(accountId, 10n));
    await applyBatches(db.pool, ledgerEntriesProjection, [log.events]);

    // The checkpoint applies each batch once; were it applied twice, the copy's key says so.
    await expect(applyBatches(db.pool, ledgerEntriesProjection, [log.events])).rejects.toThrow(
      /duplicate key/,
    );

    expect(await journal()).toHaveLength(2);
    expect(await selectAll(db.pool, 'view_ledger_account_currencies')).toHaveLength(1);
  });

  it('ignores events without postings', async () => {
    log.account(accountId, account.opened(accountId), account.cashReserved(orderId, 10n));
    log.order(orderId, order.placed(orderId, { accountId }));

    await applyBatches(db.pool, ledgerEntriesProjection, [log.events]);

    expect(await journal()).toEqual([]);
  });

  it('refuses postings of an account whose currency it never saw', async () => {
    log.account(accountId, account.deposited(accountId, 10n));

    await expect(applyBatches(db.pool, ledgerEntriesProjection, [log.events])).rejects.toThrow(
      /never opened/,
    );
  });
});
