import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { accountsProjection } from '../../src/projections/views/accounts.projection.js';
import {
  accountEvents as account,
  holdingEvents as holding,
  orderEvents as order,
} from './projected-events.js';
import { useProjectionDatabase } from './projection-database.fixture.js';
import { applyBatches, selectAll, shadowTables } from './projection-tables.js';

describe('accounts projection', () => {
  const db = useProjectionDatabase({ emptied: [accountsProjection] });
  const { log } = db;
  const accountId = randomUUID();
  const orderId = randomUUID();

  const accounts = () => selectAll(db.pool, 'view_accounts');
  /** The statement of the account: what each line says, and the balance after it. */
  const statement = async (id = accountId) =>
    (await selectAll(db.pool, 'view_account_statements'))
      .filter((row) => row['account_id'] === id)
      .map((row) => [
        row['entry_type'],
        row['description'],
        row['amount_minor'],
        row['balance_after_minor'],
      ]);

  it('folds many events of one account in one batch, with a running balance per line', async () => {
    const [opened] = log.account(accountId, account.opened(accountId, 'EUR', 'customer-7'));
    log.account(accountId, account.deposited(accountId, 100_000n, 'SEPA 0042'));
    log.account(accountId, account.deposited(accountId, 5_000n, ''));
    log.account(accountId, account.cashReserved(orderId, 30_000n));
    log.account(accountId, account.withdrawn(accountId, 20_000n, 'to bank'));
    log.account(accountId, account.feeCharged(accountId, orderId, 500n, 500n));
    log.account(accountId, account.settled(accountId, orderId, 'BUY', 25_000n, 25_000n));
    log.account(accountId, account.cashReleased(orderId, 4_500n));
    log.account(accountId, account.feeRefunded(accountId, orderId, 500n));
    log.account(accountId, account.settled(accountId, orderId, 'SELL', 7_000n));

    await applyBatches(db.pool, accountsProjection, [log.events]);

    expect(await accounts()).toEqual([
      {
        account_id: accountId,
        customer_id: 'customer-7',
        name: `Account ${accountId.slice(0, 4)}`,
        currency: 'EUR',
        status: 'OPEN',
        balance_minor: '67000',
        reserved_minor: '0',
        opened_at: new Date(String(opened!.recorded.metadata['occurredAt'])),
        updated_at: log.lastOccurredAt,
      },
    ]);
    expect(await statement()).toEqual([
      ['DEPOSIT', 'SEPA 0042', '100000', '100000'],
      ['DEPOSIT', 'Deposit', '5000', '105000'],
      ['WITHDRAWAL', 'to bank', '-20000', '85000'],
      ['FEE', `Fee for order ${orderId}`, '-500', '84500'],
      ['BUY_SETTLEMENT', `Buy settlement for order ${orderId}`, '-25000', '59500'],
      ['FEE_REFUND', `Fee refund for order ${orderId}`, '500', '60000'],
      ['SELL_SETTLEMENT', `Sell settlement for order ${orderId}`, '7000', '67000'],
    ]);
  });

  it('keeps reservations out of the statement but in reserved_minor', async () => {
    log.account(accountId, account.opened(accountId), account.deposited(accountId, 10_000n));
    log.account(accountId, account.cashReserved(orderId, 6_000n));
    log.account(accountId, account.feeCharged(accountId, orderId, 100n, 100n));

    await applyBatches(db.pool, accountsProjection, [log.events]);

    expect(await accounts()).toMatchObject([{ balance_minor: '9900', reserved_minor: '5900' }]);
    expect((await statement()).map(([type]) => type)).toEqual(['DEPOSIT', 'FEE']);
  });

  it('continues from the balance in the table when the account was opened in an earlier batch', async () => {
    const first = log.account(
      accountId,
      account.opened(accountId),
      account.deposited(accountId, 1_000n),
    );
    const second = [
      ...log.account(accountId, account.cashReserved(orderId, 300n)),
      ...log.account(accountId, account.withdrawn(accountId, 200n)),
    ];
    const third = [
      ...log.account(accountId, account.settled(accountId, orderId, 'BUY', 300n, 300n)),
      ...log.account(accountId, account.deposited(accountId, 50n)),
    ];

    await applyBatches(db.pool, accountsProjection, [first, second, third]);

    expect(await accounts()).toMatchObject([{ balance_minor: '550', reserved_minor: '0' }]);
    expect(await statement()).toEqual([
      ['DEPOSIT', 'deposit', '1000', '1000'],
      ['WITHDRAWAL', 'withdrawal', '-200', '800'],
      ['BUY_SETTLEMENT', `Buy settlement for order ${orderId}`, '-300', '500'],
      ['DEPOSIT', 'deposit', '50', '550'],
    ]);
  });

  it('keeps the running balances of interleaved accounts apart', async () => {
    const other = randomUUID();
    log.account(accountId, account.opened(accountId));
    log.account(other, account.opened(other, 'JPY'));
    log.account(accountId, account.deposited(accountId, 100n));
    log.account(other, account.deposited(other, 7n));
    log.account(accountId, account.deposited(accountId, 100n));
    log.account(other, account.withdrawn(other, 2n));

    await applyBatches(db.pool, accountsProjection, [log.events.slice(0, 3), log.events.slice(3)]);

    expect(await statement()).toEqual([
      ['DEPOSIT', 'deposit', '100', '100'],
      ['DEPOSIT', 'deposit', '100', '200'],
    ]);
    expect(await statement(other)).toEqual([
      ['DEPOSIT', 'deposit', '7', '7'],
      ['WITHDRAWAL', 'withdrawal', '-2', '5'],
    ]);
  });

  it('closes the account and stamps every change with the time it occurred', async () => {
    const [opened] = log.account(accountId, account.opened(accountId));
    await applyBatches(db.pool, accountsProjection, [log.events]);
    log.account(accountId, account.deposited(accountId, 10n));
    log.account(accountId, account.withdrawn(accountId, 10n));
    const closing = log.account(accountId, account.closed(accountId));

    await applyBatches(db.pool, accountsProjection, [log.events.slice(1)]);

    expect(await accounts()).toMatchObject([
      {
        status: 'CLOSED',
        balance_minor: '0',
        opened_at: opened!.recorded.createdAt,
        updated_at: closing[0]!.recorded.createdAt,
      },
    ]);
  });

  it('ignores the events it does not show', async () => {
    log.account(accountId, account.opened(accountId));
    const opened = log.events.at(-1)!;
    log.account(accountId, account.orderOpened(orderId, 'AAPL'));
    log.order(orderId, order.placed(orderId, { accountId }));
    log.holding(accountId, 'AAPL', holding.acquired(orderId, 1n, 100n));
    log.account(accountId, account.orderClosed(orderId));

    await applyBatches(db.pool, accountsProjection, [log.events]);

    expect(await accounts()).toMatchObject([{ updated_at: opened.recorded.createdAt }]);
    expect(await statement()).toEqual([]);
  });

  it('refuses the events of an account it never saw opened', async () => {
    log.account(accountId, account.deposited(accountId, 10n));

    await expect(applyBatches(db.pool, accountsProjection, [log.events])).rejects.toThrow(
      /never opened/,
    );
  });

  it('writes into the shadow tables it is given and leaves the live ones alone', async () => {
    log.account(accountId, account.opened(accountId), account.deposited(accountId, 10n));
    const shadow = await shadowTables(db.pool, accountsProjection, 'shadow');
    expect(shadow).toEqual({
      view_accounts: 'view_accounts_shadow',
      view_account_statements: 'view_account_statements_shadow',
    });

    await applyBatches(db.pool, accountsProjection, [log.events], shadow);
    log.account(accountId, account.deposited(accountId, 5n));
    await applyBatches(db.pool, accountsProjection, [log.events.slice(-1)], shadow);

    expect(await accounts()).toEqual([]);
    expect(await selectAll(db.pool, 'view_account_statements')).toEqual([]);
    expect(await selectAll(db.pool, 'view_accounts_shadow')).toMatchObject([
      { account_id: accountId, balance_minor: '15' },
    ]);
    expect(await selectAll(db.pool, 'view_account_statements_shadow')).toHaveLength(2);
  });
});
