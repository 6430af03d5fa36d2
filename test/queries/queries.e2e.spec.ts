import { randomUUID } from 'node:crypto';
import type pg from 'pg';
import { beforeAll, describe, expect, it } from 'vitest';
import { DATABASE_POOL } from '../../src/infrastructure/database/database.tokens.js';
import { type Position, decodePosition } from '../../src/event-store/position.js';
import { ConsistencyService } from '../../src/queries/consistency/consistency.service.js';
import { OPEN_ACCOUNT, type CommandResultData } from '../e2e/graphql-operations.js';
import { bearerFor, useTestApp } from '../support/test-app.js';
import {
  at,
  insertAccount,
  insertHolding,
  insertLedgerEntry,
  insertOrder,
  insertStatementLine,
  setCheckpoint,
  sleep,
} from './read-side.fixtures.js';

interface Response<T> {
  data?: T | null;
  errors?: { message: string; extensions?: { code?: string; fields?: { field: string }[] } }[];
  extensions?: { consistency?: { position: string; stale: boolean } };
}

// The embedded default: no DATABASE_URL, no EVENTSTORE_URL. The rows and checkpoints
// seeded here stand in for the projectors, so none may run over them.
const ledger = useTestApp({ projectionsEnabled: false });
let pool: pg.Pool;
let consistency: ConsistencyService;

beforeAll(() => {
  pool = ledger.app.get<pg.Pool>(DATABASE_POOL);
  consistency = ledger.app.get(ConsistencyService);
});

/**
 * Seeds a checkpoint as an in-process projector moves one: the app hears of it at once.
 * (Another process's projector reaches it by NOTIFY, which can land after the next
 * request; until then reads report the checkpoint before, never one not reached.)
 */
async function checkpoint(projection: string, position: Position): Promise<void> {
  await setCheckpoint(pool, projection, position);
  consistency.checkpointAdvanced(projection);
}

/** A GraphQL request answered with its extensions (TestApp.gql keeps data and errors only). */
async function gql<T = Record<string, unknown>>(
  query: string,
  variables: Record<string, unknown> = {},
): Promise<Response<T>> {
  const response = await ledger.app.inject({
    method: 'POST',
    url: '/graphql',
    payload: { query, variables },
    headers: { authorization: await bearerFor('test-admin', ['admin']) },
  });
  return response.json<Response<T>>();
}

function errorOf(response: Response<unknown>): { code?: string; fields: string[] } {
  expect(response.errors, 'expected an error').toBeDefined();
  const [error] = response.errors!;
  return {
    code: error!.extensions?.code,
    fields: (error!.extensions?.fields ?? []).map((f) => f.field),
  };
}

const ACCOUNT = `query ($id: ID!, $consistency: ConsistencyInput) {
  account(id: $id, consistency: $consistency) {
    id customerId name currency status balance reserved available
  }
}`;

const ACCOUNTS = `query ($customerId: String, $first: Int, $after: String, $consistency: ConsistencyInput) {
  accounts(customerId: $customerId, first: $first, after: $after, consistency: $consistency) {
    nodes { id balance }
    pageInfo { endCursor hasNextPage }
    position stale
  }
}`;

const ORDERS = `query ($filter: OrderFilterInput, $first: Int, $after: String, $consistency: ConsistencyInput) {
  orders(filter: $filter, first: $first, after: $after, consistency: $consistency) {
    nodes { id accountId side type instrument quantity limitPrice filledQuantity averagePrice fee status reason placedAt updatedAt }
    pageInfo { endCursor hasNextPage }
    position stale
  }
}`;

interface AccountsData {
  accounts: {
    nodes: { id: string; balance: string }[];
    pageInfo: { endCursor: string | null; hasNextPage: boolean };
    position: string;
    stale: boolean;
  };
}

describe('read-side queries over GraphQL', () => {
  it('reads an account and tells the position it reflects', async () => {
    const account = await insertAccount(pool, { balanceMinor: 10_050n, reservedMinor: 50n });
    await checkpoint('accounts', at(1_000, 2));
    const response = await gql(ACCOUNT, { id: account.accountId });
    expect(response.errors).toBeUndefined();
    expect(response.data).toEqual({
      account: {
        id: account.accountId,
        customerId: 'customer-1',
        name: 'Main',
        currency: 'USD',
        status: 'OPEN',
        balance: '100.50',
        reserved: '0.50',
        available: '100.00',
      },
    });
    expect(response.extensions?.consistency).toEqual({ position: '1000.2', stale: false });
    expect((await gql(ACCOUNT, { id: randomUUID() })).data).toEqual({ account: null });
  });

  it('pages accounts with the position and staleness on the connection too', async () => {
    const customerId = `customer-${randomUUID()}`;
    for (let i = 0; i < 5; i++) await insertAccount(pool, { customerId });
    const first = await gql<AccountsData>(ACCOUNTS, { customerId, first: 3 });
    expect(first.errors).toBeUndefined();
    expect(first.data!.accounts).toMatchObject({
      pageInfo: { hasNextPage: true },
      position: first.extensions!.consistency!.position,
      stale: false,
    });
    const second = await gql<AccountsData>(ACCOUNTS, {
      customerId,
      first: 3,
      after: first.data!.accounts.pageInfo.endCursor,
    });
    expect(second.data!.accounts.pageInfo).toEqual({
      endCursor: expect.any(String),
      hasNextPage: false,
    });
    const ids = [...first.data!.accounts.nodes, ...second.data!.accounts.nodes].map((a) => a.id);
    expect(new Set(ids).size).toBe(5);
  });

  it('reads orders by filter with formatted amounts', async () => {
    const accountId = randomUUID();
    const order = await insertOrder(pool, {
      accountId,
      orderType: 'LIMIT',
      limitPriceMinor: 18_999n,
      filledQuantity: 2n,
      filledNotionalMinor: 37_999n,
      feeMinor: 100n,
      status: 'PARTIALLY_FILLED',
      placedAt: '2024-06-01T12:00:00.123456Z',
    });
    await insertOrder(pool, { accountId, status: 'CANCELLED', reason: 'by customer' });
    await checkpoint('orders', at(2_000));
    const response = await gql<{ orders: { nodes: unknown[]; stale: boolean } }>(ORDERS, {
      filter: { accountId, status: 'PARTIALLY_FILLED', side: 'BUY', instrument: 'AAPL' },
      first: 10,
    });
    expect(response.errors).toBeUndefined();
    expect(response.data!.orders.nodes).toEqual([
      {
        id: order.orderId,
        accountId,
        side: 'BUY',
        type: 'LIMIT',
        instrument: 'AAPL',
        quantity: '10',
        limitPrice: '189.99',
        filledQuantity: '2',
        averagePrice: '189.995000',
        fee: '1.00',
        status: 'PARTIALLY_FILLED',
        reason: null,
        placedAt: '2024-06-01T12:00:00.123Z',
        updatedAt: expect.any(String),
      },
    ]);
    expect(response.extensions?.consistency).toEqual({ position: '2000.0', stale: false });
  });

  it('reads holdings, ledger entries and the statement of an account', async () => {
    const account = await insertAccount(pool, { balanceMinor: 2_500n });
    await insertHolding(pool, {
      accountId: account.accountId,
      instrument: 'MSFT',
      quantity: 4n,
      costBasisMinor: 166_000n,
    });
    await insertLedgerEntry(pool, {
      position: at(3_000, 1),
      postingIndex: 0,
      ledgerAccount: 'external-bank',
      accountId: account.accountId,
      amountMinor: -2_500n,
    });
    await insertLedgerEntry(pool, {
      position: at(3_000, 1),
      postingIndex: 1,
      ledgerAccount: `customer-cash:${account.accountId}`,
      accountId: account.accountId,
      amountMinor: 2_500n,
    });
    await insertStatementLine(pool, {
      accountId: account.accountId,
      position: at(3_000, 1),
      amountMinor: 2_500n,
      balanceAfterMinor: 2_500n,
    });
    await checkpoint('accounts', at(5_000));
    await checkpoint('holdings', at(2_500));
    await checkpoint('ledger-entries', at(3_000, 1));
    const response = await gql(
      `query ($id: ID!) {
        holdings(accountId: $id) { accountId instrument quantity reserved available averageCost }
        ledgerEntries(accountId: $id, first: 10) { nodes { position postingIndex ledgerAccount amount } pageInfo { hasNextPage } position stale }
        accountStatement(accountId: $id) { nodes { position amount balanceAfter currency } position stale }
      }`,
      { id: account.accountId },
    );
    expect(response.errors).toBeUndefined();
    expect(response.data).toMatchObject({
      holdings: [
        {
          accountId: account.accountId,
          instrument: 'MSFT',
          quantity: '4',
          reserved: '0',
          available: '4',
          averageCost: '415.000000',
        },
      ],
      ledgerEntries: {
        nodes: [
          { position: '3000.1', postingIndex: 0, ledgerAccount: 'external-bank', amount: '-25.00' },
          {
            position: '3000.1',
            postingIndex: 1,
            ledgerAccount: `customer-cash:${account.accountId}`,
            amount: '25.00',
          },
        ],
        pageInfo: { hasNextPage: false },
        position: '3000.1',
        stale: false,
      },
      accountStatement: {
        nodes: [{ position: '3000.1', amount: '25.00', balanceAfter: '25.00', currency: 'USD' }],
        position: '5000.0',
        stale: false,
      },
    });
    // Three fields, one answer: the response reflects at least the lowest of their positions.
    expect(response.extensions?.consistency).toEqual({ position: '2500.0', stale: false });
  });

  it('waits for a mutation’s position and answers once the views have applied it', async () => {
    const opened = await gql<{ openAccount: CommandResultData }>(OPEN_ACCOUNT, {
      input: { customerId: 'c-consistency', name: 'Main', currency: 'EUR' },
    });
    const { id, position } = opened.data!.openAccount;
    const written = decodePosition(position)!;
    // Back to just short of the write (earlier tests left it far ahead). Only a test moves
    // a checkpoint back: the app must hear of it before the read, not by a NOTIFY in transit.
    await checkpoint('accounts', at(written.commit - 1n));

    const started = Date.now();
    const pending = gql<{ account: { id: string } | null }>(ACCOUNT, {
      id,
      consistency: { atLeast: position, timeoutMs: 20_000 },
    });
    await sleep(300);
    // Stands in for the accounts projector: the view row and its checkpoint in one go.
    await insertAccount(pool, { accountId: id, customerId: 'c-consistency', currency: 'EUR' });
    await setCheckpoint(pool, 'accounts', written);
    const response = await pending;
    expect(response.errors).toBeUndefined();
    expect(response.data!.account?.id).toBe(id);
    expect(response.extensions?.consistency).toEqual({ position, stale: false });
    expect(Date.now() - started).toBeLessThan(5_000);
  });

  it('answers stale, with what it has, when the views stay behind past the timeout', async () => {
    await checkpoint('accounts', at(4_000));
    const started = Date.now();
    const response = await gql<AccountsData>(ACCOUNTS, {
      first: 1,
      consistency: { atLeast: '999999999.0', timeoutMs: 200 },
    });
    expect(response.errors).toBeUndefined();
    expect(response.data!.accounts).toMatchObject({ position: '4000.0', stale: true });
    expect(response.data!.accounts.nodes).toHaveLength(1);
    expect(response.extensions?.consistency).toEqual({ position: '4000.0', stale: true });
    expect(Date.now() - started).toBeLessThan(3_000);
  });

  it('rejects bad tokens, page sizes and cursors with VALIDATION_FAILED naming the field', async () => {
    expect(errorOf(await gql(ACCOUNTS, { consistency: { atLeast: 'not-a-token' } }))).toEqual({
      code: 'VALIDATION_FAILED',
      fields: ['atLeast'],
    });
    expect(errorOf(await gql(ACCOUNTS, { consistency: { timeoutMs: -1 } }))).toMatchObject({
      code: 'VALIDATION_FAILED',
      fields: ['timeoutMs'],
    });
    expect(errorOf(await gql(ORDERS, { first: 500 }))).toEqual({
      code: 'VALIDATION_FAILED',
      fields: ['first'],
    });
    expect(errorOf(await gql(ORDERS, { after: 'bm9wZQ' }))).toEqual({
      code: 'VALIDATION_FAILED',
      fields: ['after'],
    });
    expect(errorOf(await gql(ORDERS, { filter: { status: 'LOST' } })).code).toBe(
      'VALIDATION_FAILED',
    );
  });

  it('answers alike on a query’s first run and once it runs compiled (graphql-jit)', async () => {
    // Mercurius compiles a query on its second run; errors must keep their code, fields,
    // path and locations, and answers their data and consistency, whichever way it ran.
    const account = await insertAccount(pool, { balanceMinor: 1_234n });
    await checkpoint('accounts', at(6_000));
    const reads = [];
    for (let run = 0; run < 3; run++) reads.push(await gql(ACCOUNT, { id: account.accountId }));
    expect(reads[0]!.data).toMatchObject({ account: { id: account.accountId, balance: '12.34' } });
    expect(reads[0]!.extensions?.consistency).toEqual({ position: '6000.0', stale: false });
    expect(reads[1]).toEqual(reads[0]);
    expect(reads[2]).toEqual(reads[0]);

    const refusals = [];
    for (let run = 0; run < 3; run++) refusals.push(await gql(ORDERS, { first: 500 }));
    expect(refusals[0]!.errors).toEqual([
      {
        message: expect.any(String),
        locations: [{ line: 2, column: 3 }],
        path: ['orders'],
        extensions: {
          code: 'VALIDATION_FAILED',
          fields: [{ field: 'first', message: expect.any(String) }],
        },
      },
    ]);
    expect(refusals[1]).toEqual(refusals[0]);
    expect(refusals[2]).toEqual(refusals[0]);
  });

  it('lists the projections with their positions, lag and parked events', async () => {
    await checkpoint('holdings', at(0));
    const response = await gql<{
      projections: {
        name: string;
        position: string;
        lagEvents: number | null;
        lagMs: number | null;
        status: string;
        parked: number;
      }[];
    }>(`{ projections { name position lagEvents lagMs status parked } }`);
    expect(response.errors).toBeUndefined();
    const byName = new Map(response.data!.projections.map((p) => [p.name, p]));
    expect([...byName.keys()]).toEqual(
      expect.arrayContaining(['accounts', 'holdings', 'orders', 'ledger-entries']),
    );
    // Events exist (the mutation above): a projection at 0 is behind by all of them.
    expect(byName.get('holdings')).toMatchObject({ position: '0.0', status: 'running', parked: 0 });
    expect(byName.get('holdings')!.lagEvents).toBeGreaterThan(0);
    expect(byName.get('holdings')!.lagMs).toBeGreaterThanOrEqual(0);
    expect(response.extensions?.consistency?.stale).toBe(false);
  });

  it('still serves the instruments, which read no view and report no consistency', async () => {
    const response = await gql<{ instruments: { symbol: string }[] }>('{ instruments { symbol } }');
    expect(response.data!.instruments.map((i) => i.symbol)).toContain('AAPL');
    expect(response.extensions).toBeUndefined();
  });
});
