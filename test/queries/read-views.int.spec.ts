import { randomUUID } from 'node:crypto';
import { beforeAll, describe, expect, it } from 'vitest';
import { ValidationFailedError } from '../../src/shared/ledger-errors.js';
import { encodePosition } from '../../src/event-store/position.js';
import { PostgresEventStore } from '../../src/infrastructure/event-store/postgres/postgres.event-store.js';
import {
  AccountStatementHandler,
  AccountStatementQuery,
} from '../../src/queries/accounts/account-statement.query.js';
import { AccountHandler, AccountQuery } from '../../src/queries/accounts/account.query.js';
import { toAccountType } from '../../src/queries/accounts/account.type.js';
import { AccountsHandler, AccountsQuery } from '../../src/queries/accounts/accounts.query.js';
import { toHoldingType } from '../../src/queries/accounts/holding.type.js';
import { HoldingsHandler, HoldingsQuery } from '../../src/queries/accounts/holdings.query.js';
import { toStatementLineType } from '../../src/queries/accounts/statement-line.type.js';
import { type ConsistentQuery } from '../../src/queries/consistency/consistent-query.js';
import {
  LedgerEntriesHandler,
  LedgerEntriesQuery,
} from '../../src/queries/ledger/ledger-entries.query.js';
import { toLedgerEntryType } from '../../src/queries/ledger/ledger-entry.type.js';
import { OrderHandler, OrderQuery } from '../../src/queries/orders/order.query.js';
import { toOrderType } from '../../src/queries/orders/order.type.js';
import { OrdersHandler, OrdersQuery } from '../../src/queries/orders/orders.query.js';
import { type Page } from '../../src/queries/paging/page.js';
import { toProjectionType } from '../../src/queries/projections/projection.type.js';
import { AccountStatementsRepository } from '../../src/queries/repositories/account-statements.repository.js';
import { AccountsRepository } from '../../src/queries/repositories/accounts.repository.js';
import { ProjectionStatusRepository } from '../../src/queries/repositories/projection-status.repository.js';
import { HoldingsRepository } from '../../src/queries/repositories/holdings.repository.js';
import { LedgerEntriesRepository } from '../../src/queries/repositories/ledger-entries.repository.js';
import {
  type OrderFilter,
  type OrderView,
  OrdersRepository,
} from '../../src/queries/repositories/orders.repository.js';
import {
  at,
  insertAccount,
  insertHolding,
  insertLedgerEntry,
  insertOrder,
  insertStatementLine,
  setCheckpoint,
  useReadSide,
} from './read-side.fixtures.js';

const views = useReadSide(8);

interface Handler<T> {
  execute(query: ConsistentQuery<T>): Promise<{ value: T }>;
}

/** Every page from the first on, following endCursor. */
async function allPages<T>(
  handler: Handler<Page<T>>,
  query: (after: string | undefined) => ConsistentQuery<Page<T>>,
  maxPages = 100,
): Promise<Page<T>[]> {
  const pages: Page<T>[] = [];
  let after: string | undefined;
  for (let i = 0; i < maxPages; i++) {
    const { value } = await handler.execute(query(after));
    pages.push(value);
    if (!value.hasNextPage) return pages;
    after = value.endCursor!;
  }
  throw new Error('too many pages');
}

async function validationFields(work: () => Promise<unknown>): Promise<string[]> {
  try {
    await work();
  } catch (error) {
    if (error instanceof ValidationFailedError) return error.fields.map((f) => f.field);
    throw error;
  }
  throw new Error('expected a ValidationFailedError');
}

describe('accounts', () => {
  const accounts = () => new AccountsHandler(views.consistency, new AccountsRepository(views.pool));

  it('reads one account with its money formatted in its currency', async () => {
    const usd = await insertAccount(views.pool, { balanceMinor: 12_345n, reservedMinor: 45n });
    const jpy = await insertAccount(views.pool, {
      currency: 'JPY',
      balanceMinor: 5_000n,
      reservedMinor: 1_200n,
      status: 'CLOSED',
    });
    const handler = new AccountHandler(views.consistency, new AccountsRepository(views.pool));
    const read = async (id: string) => {
      const { value } = await handler.execute(new AccountQuery(id, {}));
      return value && toAccountType(value);
    };
    expect(await read(usd.accountId)).toMatchObject({
      id: usd.accountId,
      customerId: 'customer-1',
      currency: 'USD',
      status: 'OPEN',
      balance: '123.45',
      reserved: '0.45',
      available: '123.00',
    });
    expect(await read(jpy.accountId)).toMatchObject({
      status: 'CLOSED',
      balance: '5000',
      reserved: '1200',
      available: '3800',
    });
    expect(await read(randomUUID())).toBeUndefined();
    expect(await validationFields(() => read('x'.repeat(300)))).toEqual(['id']);
  });

  it('pages a customer’s accounts without repeats or gaps', async () => {
    const customerId = `customer-${randomUUID()}`;
    const mine = await Promise.all(
      Array.from({ length: 7 }, () => insertAccount(views.pool, { customerId })),
    );
    await insertAccount(views.pool, { customerId: `other-${randomUUID()}` });
    const pages = await allPages(
      accounts(),
      (after) => new AccountsQuery(customerId, 3, after, {}),
    );
    expect(pages.map((p) => p.nodes.length)).toEqual([3, 3, 1]);
    expect(pages.map((p) => p.hasNextPage)).toEqual([true, true, false]);
    expect(pages.flatMap((p) => p.nodes.map((a) => a.accountId))).toEqual(
      mine.map((a) => a.accountId).sort(),
    );
  });

  it('bounds the page size and rejects foreign cursors', async () => {
    const handler = accounts();
    expect(
      await validationFields(() => handler.execute(new AccountsQuery(null, 0, null, {}))),
    ).toEqual(['first']);
    expect(
      await validationFields(() => handler.execute(new AccountsQuery(null, 201, null, {}))),
    ).toEqual(['first']);
    expect(
      await validationFields(() => handler.execute(new AccountsQuery(null, 10, 'garbage', {}))),
    ).toEqual(['after']);
    await insertOrder(views.pool);
    const ordersPage = await new OrdersHandler(
      views.consistency,
      new OrdersRepository(views.pool),
    ).execute(new OrdersQuery({}, 1, null, {}));
    expect(
      await validationFields(() =>
        handler.execute(new AccountsQuery(null, 10, ordersPage.value.endCursor, {})),
      ),
    ).toEqual(['after']);
    const { value } = await handler.execute(new AccountsQuery(null, 200, null, {}));
    expect(value.nodes.length).toBeLessThanOrEqual(200);
  });
});

describe('orders', () => {
  const handler = () => new OrdersHandler(views.consistency, new OrdersRepository(views.pool));
  const accountA = randomUUID();
  const accountB = randomUUID();
  let placed: Awaited<ReturnType<typeof insertOrder>>[] = [];

  beforeAll(async () => {
    // 30 orders on 6 instants, several sharing one to the microsecond.
    const instants = [
      '2024-05-01T10:00:00.000001Z',
      '2024-05-01T10:00:00.000002Z',
      '2024-05-01T10:00:00.123456Z',
      '2024-05-02T09:30:00.5Z',
      '2024-05-03T00:00:00Z',
      '2024-05-04T23:59:59.999999Z',
    ];
    const statuses = ['PLACED', 'COMPLETED', 'REJECTED'];
    placed = [];
    for (let i = 0; i < 30; i++) {
      placed.push(
        await insertOrder(views.pool, {
          accountId: i % 2 === 0 ? accountA : accountB,
          side: i % 3 === 0 ? 'SELL' : 'BUY',
          instrument: i % 5 === 0 ? 'MSFT' : 'AAPL',
          status: statuses[i % 3]!,
          placedAt: instants[i % instants.length]!,
        }),
      );
    }
  });

  /** What the filter should select, newest first with ties by id descending. */
  function expected(filter: (o: (typeof placed)[number]) => boolean): string[] {
    return placed
      .filter(filter)
      .sort((a, b) => {
        const byTime = new Date(b.placedAt).getTime() - new Date(a.placedAt).getTime();
        if (byTime !== 0) return byTime;
        // Sub-millisecond differences: the literals sort as they read.
        if (a.placedAt !== b.placedAt) return a.placedAt < b.placedAt ? 1 : -1;
        return a.orderId < b.orderId ? 1 : -1;
      })
      .map((o) => o.orderId);
  }

  async function ids(filter: OrderFilter, first: number): Promise<string[]> {
    const pages = await allPages(handler(), (after) => new OrdersQuery(filter, first, after, {}));
    for (const page of pages.slice(0, -1)) expect(page.nodes).toHaveLength(first);
    return pages.flatMap((p) => p.nodes.map((o: OrderView) => o.orderId));
  }

  it('pages by (placed_at, order_id) without repeats or gaps, ties included', async () => {
    const mine = (o: (typeof placed)[number]) =>
      o.accountId === accountA || o.accountId === accountB;
    for (const first of [1, 4, 7, 30]) {
      const seen = (await ids({ accountId: accountA }, first)).concat(
        await ids({ accountId: accountB }, first),
      );
      expect(new Set(seen).size).toBe(seen.length);
      expect(seen.sort()).toEqual(expected(mine).sort());
    }
    expect(await ids({ accountId: accountA }, 4)).toEqual(
      expected((o) => o.accountId === accountA),
    );
  });

  it('filters by account, status, side, instrument and placement time', async () => {
    expect(await ids({ accountId: accountA, status: 'COMPLETED' }, 3)).toEqual(
      expected((o) => o.accountId === accountA && o.status === 'COMPLETED'),
    );
    expect(await ids({ accountId: accountB, side: 'SELL', instrument: 'AAPL' }, 2)).toEqual(
      expected((o) => o.accountId === accountB && o.side === 'SELL' && o.instrument === 'AAPL'),
    );
    // From is inclusive, to exclusive.
    const placedFrom = new Date('2024-05-02T09:30:00.500Z');
    const placedTo = new Date('2024-05-04T23:59:59.999Z');
    expect(await ids({ accountId: accountA, placedFrom, placedTo }, 2)).toEqual(
      expected(
        (o) =>
          o.accountId === accountA &&
          (o.placedAt === '2024-05-02T09:30:00.5Z' || o.placedAt === '2024-05-03T00:00:00Z'),
      ),
    );
    expect(
      await validationFields(() =>
        handler().execute(
          new OrdersQuery({ placedFrom: placedTo, placedTo: placedFrom }, 5, null, {}),
        ),
      ),
    ).toEqual(['placedTo']);
  });

  it('uses 50 as the default page size and 200 as the largest', async () => {
    for (let i = 0; i < 30; i++) await insertOrder(views.pool);
    const { value } = await handler().execute(new OrdersQuery({}, undefined, undefined, {}));
    expect(value.nodes).toHaveLength(50);
    expect(value.hasNextPage).toBe(true);
    expect(
      await validationFields(() => handler().execute(new OrdersQuery({}, 201, null, {}))),
    ).toEqual(['first']);
    const tampered = Buffer.from(JSON.stringify(['orders', 'yesterday', 'x'])).toString(
      'base64url',
    );
    expect(
      await validationFields(() => handler().execute(new OrdersQuery({}, 5, tampered, {}))),
    ).toEqual(['after']);
  });

  it('formats prices, fees and averages with the currency digits, averages with 4 more', async () => {
    const usd = await insertOrder(views.pool, {
      orderType: 'LIMIT',
      limitPriceMinor: 19_050n,
      filledQuantity: 3n,
      filledNotionalMinor: 100_001n,
      feeMinor: 150n,
      status: 'PARTIALLY_FILLED',
    });
    const jpy = await insertOrder(views.pool, {
      instrument: 'SONY',
      currency: 'JPY',
      filledQuantity: 3n,
      filledNotionalMinor: 10_000n,
      feeMinor: 150n,
      status: 'COMPLETED',
    });
    const unfilled = await insertOrder(views.pool, {
      status: 'REJECTED',
      reason: 'insufficient funds',
    });
    const read = async (id: string) => {
      const { value } = await new OrderHandler(
        views.consistency,
        new OrdersRepository(views.pool),
      ).execute(new OrderQuery(id, {}));
      return toOrderType(value!);
    };
    expect(await read(usd.orderId)).toMatchObject({
      type: 'LIMIT',
      limitPrice: '190.50',
      filledQuantity: '3',
      // 1000.01 / 3 = 333.33666..., rounded at 6 decimals
      averagePrice: '333.336667',
      fee: '1.50',
      status: 'PARTIALLY_FILLED',
    });
    expect(await read(jpy.orderId)).toMatchObject({
      limitPrice: null,
      averagePrice: '3333.3333',
      fee: '150',
    });
    expect(await read(unfilled.orderId)).toMatchObject({
      averagePrice: null,
      reason: 'insufficient funds',
      status: 'REJECTED',
    });
  });
});

describe('holdings', () => {
  it('lists positions with exact average costs and leaves out emptied ones', async () => {
    const accountId = randomUUID();
    await insertHolding(views.pool, {
      accountId,
      instrument: 'AAPL',
      quantity: 3n,
      reservedQuantity: 1n,
      costBasisMinor: 100_001n,
    });
    await insertHolding(views.pool, {
      accountId,
      instrument: 'SONY',
      quantity: 7n,
      costBasisMinor: 23_101n,
    });
    await insertHolding(views.pool, {
      accountId,
      instrument: 'MSFT',
      quantity: 0n,
      costBasisMinor: 0n,
    });
    const { value } = await new HoldingsHandler(
      views.consistency,
      new HoldingsRepository(views.pool),
    ).execute(new HoldingsQuery(accountId, {}));
    expect(value.map(toHoldingType)).toEqual([
      expect.objectContaining({
        instrument: 'AAPL',
        currency: 'USD',
        quantity: '3',
        reserved: '1',
        available: '2',
        averageCost: '333.336667',
      }),
      // 23101 / 7 = 3300.142857... yen
      expect.objectContaining({ instrument: 'SONY', currency: 'JPY', averageCost: '3300.1429' }),
    ]);
  });
});

describe('ledger entries and statements', () => {
  it('pages an account’s journal postings in log order, both legs of each', async () => {
    const accountId = randomUUID();
    for (let i = 1; i <= 5; i++) {
      await insertLedgerEntry(views.pool, {
        position: at(100 + i, 7),
        postingIndex: 0,
        ledgerAccount: 'external-bank',
        accountId,
        amountMinor: -1_000n * BigInt(i),
      });
      await insertLedgerEntry(views.pool, {
        position: at(100 + i, 7),
        postingIndex: 1,
        ledgerAccount: `customer-cash:${accountId}`,
        accountId,
        amountMinor: 1_000n * BigInt(i),
      });
    }
    await insertLedgerEntry(views.pool, {
      position: at(101, 7),
      postingIndex: 2,
      ledgerAccount: 'fee-income',
      accountId: randomUUID(),
      amountMinor: 5n,
    });
    const handler = new LedgerEntriesHandler(
      views.consistency,
      new LedgerEntriesRepository(views.pool),
    );
    const pages = await allPages(
      handler,
      (after) => new LedgerEntriesQuery(accountId, 3, after, {}),
    );
    expect(pages.map((p) => p.nodes.length)).toEqual([3, 3, 3, 1]);
    const entries = pages.flatMap((p) => p.nodes.map(toLedgerEntryType));
    expect(entries.map((e) => `${e.position}/${e.postingIndex}`)).toEqual(
      [1, 2, 3, 4, 5].flatMap((i) => [`${100 + i}.7/0`, `${100 + i}.7/1`]),
    );
    expect(entries[0]).toMatchObject({
      ledgerAccount: 'external-bank',
      amount: '-10.00',
      currency: 'USD',
    });
    expect(entries[1]).toMatchObject({
      ledgerAccount: `customer-cash:${accountId}`,
      amount: '10.00',
    });
  });

  it('pages a statement with the balance after each line in the account currency', async () => {
    const account = await insertAccount(views.pool, { currency: 'JPY' });
    for (let i = 1; i <= 4; i++) {
      await insertStatementLine(views.pool, {
        accountId: account.accountId,
        position: at(200 + i, i),
        amountMinor: 500n,
        balanceAfterMinor: 500n * BigInt(i),
      });
    }
    const handler = new AccountStatementHandler(
      views.consistency,
      new AccountStatementsRepository(views.pool),
    );
    const pages = await allPages(
      handler,
      (after) => new AccountStatementQuery(account.accountId, 3, after, {}),
    );
    expect(pages.map((p) => p.nodes.length)).toEqual([3, 1]);
    const lines = pages.flatMap((p) => p.nodes.map(toStatementLineType));
    expect(lines.map((l) => [l.position, l.amount, l.balanceAfter, l.currency])).toEqual([
      ['201.1', '500', '500', 'JPY'],
      ['202.2', '500', '1000', 'JPY'],
      ['203.3', '500', '1500', 'JPY'],
      ['204.4', '500', '2000', 'JPY'],
    ]);
  });
});

describe('consistency of a query', () => {
  it('answers stale when the views have not reached the position in time, fresh once they have', async () => {
    const account = await insertAccount(views.pool);
    await setCheckpoint(views.pool, 'accounts', at(50));
    // As an in-process projector does: the NOTIFY alone may land after the read below.
    views.consistency.checkpointAdvanced('accounts');
    const handler = new AccountHandler(views.consistency, new AccountsRepository(views.pool));
    const behind = await handler.execute(
      new AccountQuery(account.accountId, { atLeast: at(60), timeoutMs: 100 }),
    );
    expect(behind.consistency).toEqual({ position: at(50), stale: true });
    expect(behind.value?.accountId).toBe(account.accountId);
    const reached = await handler.execute(
      new AccountQuery(account.accountId, { atLeast: at(50), timeoutMs: 100 }),
    );
    expect(reached.consistency).toEqual({ position: at(50), stale: false });
  });
});

describe('projections', () => {
  it('reports each projection’s position, lag, status and parked events', async () => {
    await views.pool.query('DELETE FROM ledger_projection_checkpoints');
    const store = new PostgresEventStore(views.pool);
    const written = [];
    for (let i = 0; i < 3; i++) {
      written.push(
        await store.appendToStream(
          `account-${randomUUID()}`,
          [{ id: randomUUID(), type: 'Test.v1', data: { i }, metadata: {} }],
          { expectedRevision: 'no_stream' },
        ),
      );
    }
    await store.close();
    await setCheckpoint(views.pool, 'accounts', written[0]!.position);
    await setCheckpoint(views.pool, 'orders', written[2]!.position);
    await views.pool.query(
      `UPDATE ledger_projection_checkpoints SET status = 'failed', last_error = 'boom', events_applied = 42 WHERE projection = 'orders'`,
    );
    await views.pool.query(
      `INSERT INTO ledger_projection_parked (projection, commit_position, prepare_position, event_id, event_type, stream_id, error, attempts, replayed_at)
       VALUES ('accounts', 1, 1, $1, 'X.v1', 's', 'e', 3, NULL), ('accounts', 1, 2, $2, 'X.v1', 's', 'e', 3, now())`,
      [randomUUID(), randomUUID()],
    );
    const checkpoints = new ProjectionStatusRepository(views.pool);
    const rows = await checkpoints.statuses(['accounts', 'holdings', 'orders', 'ledger-entries'], {
      countLag: true,
    });
    const byName = new Map(
      rows.map((r) => [r.name, toProjectionType({ ...r, horizonHeldBy: null })]),
    );
    expect([...byName.keys()]).toEqual(['accounts', 'holdings', 'ledger-entries', 'orders']);
    expect(byName.get('accounts')).toMatchObject({
      position: encodePosition(written[0]!.position),
      lagEvents: 2,
      status: 'running',
      parked: 1,
    });
    expect(byName.get('accounts')!.lagMs).toBeGreaterThanOrEqual(0);
    expect(byName.get('holdings')).toMatchObject({
      position: '0.0',
      lagEvents: 3,
      status: 'not-started',
      parked: 0,
      updatedAt: null,
    });
    expect(byName.get('orders')).toMatchObject({
      lagEvents: 0,
      lagMs: 0,
      status: 'failed',
      lastError: 'boom',
      eventsApplied: '42',
    });

    const uncounted = await checkpoints.statuses(['accounts'], { countLag: false });
    expect(uncounted.every((r) => r.lagEvents === null && r.lagMs === null)).toBe(true);
  });
});
