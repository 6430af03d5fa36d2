import { DEFAULT_SAGA_CONFIG } from '../../src/config/saga-config.js';
import { randomUUID } from 'node:crypto';
import type pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MAX_QUANTITY } from '../../src/domain/money.js';
import { DATABASE_POOL } from '../../src/infrastructure/database/database.tokens.js';
import { comparePositions, decodePosition } from '../../src/event-store/position.js';
import {
  type GraphQLResponse,
  type TestApp,
  startTestApp,
  temporaryDataDir,
} from '../support/test-app.js';
import {
  CANCEL_ORDER,
  CLOSE_ACCOUNT,
  type CommandResultData,
  DEPOSIT,
  OPEN_ACCOUNT,
  PLACE_ORDER,
  WITHDRAW,
} from './graphql-operations.js';

let ledger: TestApp;
let dataDir: Awaited<ReturnType<typeof temporaryDataDir>>;

beforeAll(async () => {
  dataDir = await temporaryDataDir();
  // The embedded default: no DATABASE_URL, no EVENTSTORE_URL.
  // The command handlers alone: a saga working on the orders would write in the background.
  ledger = await startTestApp({
    dataDir: dataDir.dir,
    sagas: { ...DEFAULT_SAGA_CONFIG, enabled: false },
  });
});
afterAll(async () => {
  await ledger?.close();
  await dataDir?.remove();
});

function result(response: GraphQLResponse, name: string): CommandResultData {
  expect(response.errors).toBeUndefined();
  return (response.data as Record<string, CommandResultData>)[name]!;
}

function errorOf(response: GraphQLResponse): { code?: string; fields: string[] } {
  expect(response.errors, 'expected an error').toBeDefined();
  const [error] = response.errors!;
  return {
    code: error!.extensions?.code,
    fields: (error!.extensions?.fields ?? []).map((f) => f.field),
  };
}

async function openAccount(currency = 'USD'): Promise<string> {
  const response = await ledger.gql(OPEN_ACCOUNT, {
    input: { customerId: `customer-${randomUUID()}`, name: 'Main', currency },
  });
  return result(response, 'openAccount').id;
}

async function deposit(accountId: string, amount: string): Promise<CommandResultData> {
  return result(
    await ledger.gql(DEPOSIT, { input: { accountId, amount, reference: 'top-up' } }),
    'depositFunds',
  );
}

async function streamTypes(streamId: string): Promise<string[]> {
  return (await ledger.store.readStream(streamId)).map((e) => e.type);
}

/** Every event committed so far (the log's head may wait behind a projector's transaction). */
async function eventCount(): Promise<number> {
  const pool = ledger.app.get<pg.Pool>(DATABASE_POOL);
  const { rows } = await pool.query<{ n: string }>('SELECT count(*) AS n FROM ledger_events');
  return Number(rows[0]!.n);
}

/** Runs `act` and checks that the log did not grow. */
async function expectNothingWritten(act: () => Promise<unknown>): Promise<void> {
  const before = await eventCount();
  await act();
  expect(await eventCount()).toBe(before);
}

describe('accounts and payments', () => {
  it('opens an account, deposits and withdraws, with consistency tokens that advance', async () => {
    const opened = result(
      await ledger.gql(OPEN_ACCOUNT, {
        input: { customerId: 'c-1', name: 'Savings', currency: 'EUR' },
      }),
      'openAccount',
    );
    expect(opened.revision).toBe('0');
    const deposited = await deposit(opened.id, '100.25');
    expect(deposited).toMatchObject({ id: opened.id, revision: '1' });
    const withdrawn = result(
      await ledger.gql(WITHDRAW, {
        input: { accountId: opened.id, amount: '100.25', reference: 'out' },
      }),
      'withdrawFunds',
    );
    expect(withdrawn.revision).toBe('2');
    const tokens = [opened, deposited, withdrawn].map((r) => decodePosition(r.position)!);
    expect(comparePositions(tokens[0]!, tokens[1]!)).toBeLessThan(0);
    expect(comparePositions(tokens[1]!, tokens[2]!)).toBeLessThan(0);
    const events = await ledger.store.readStream(`account-${opened.id}`);
    expect(events.map((e) => e.type)).toEqual([
      'AccountOpened.v1',
      'FundsDeposited.v2',
      'FundsWithdrawn.v1',
    ]);
    expect(events[1]!.data).toMatchObject({ amountMinor: '10025' });
    expect(events[1]!.metadata).toMatchObject({
      commandId: expect.any(String),
      correlationId: expect.any(String),
      causationId: expect.any(String),
      userId: 'test-admin',
      occurredAt: expect.any(String),
    });
  });

  it('rejects a withdrawal above the available cash with INSUFFICIENT_FUNDS and writes nothing', async () => {
    const accountId = await openAccount();
    await deposit(accountId, '10.00');
    await expectNothingWritten(async () => {
      const response = await ledger.gql(WITHDRAW, {
        input: { accountId, amount: '10.01', reference: 'x' },
      });
      expect(errorOf(response).code).toBe('INSUFFICIENT_FUNDS');
    });
  });

  it('answers NOT_FOUND for an account that does not exist', async () => {
    const response = await ledger.gql(DEPOSIT, {
      input: { accountId: randomUUID(), amount: '1', reference: 'x' },
    });
    expect(errorOf(response).code).toBe('NOT_FOUND');
  });

  it('answers the same NOT_FOUND whether a handler or the decider finds the account missing', async () => {
    const accountId = randomUUID();
    const responses = [
      // An amount no currency can hold: the account must be found missing first.
      await ledger.gql(DEPOSIT, { input: { accountId, amount: '1.234', reference: 'x' } }),
      await ledger.gql(PLACE_ORDER, {
        input: { accountId, side: 'BUY', type: 'MARKET', instrument: 'AAPL', quantity: '1' },
      }),
      await ledger.gql(CLOSE_ACCOUNT, { input: { accountId } }),
    ];
    for (const response of responses) {
      expect(errorOf(response).code).toBe('NOT_FOUND');
      expect(response.errors![0]!.message).toBe('Account not found');
    }
  });
});

describe('validation: VALIDATION_FAILED naming the field, nothing written', () => {
  let accountId: string;
  let yenAccountId: string;
  beforeAll(async () => {
    accountId = await openAccount('USD');
    yenAccountId = await openAccount('JPY');
  });

  const badAmounts: [string, unknown][] = [
    ['too many decimals for USD', '10.123'],
    ['negative', '-5.00'],
    ['zero', '0'],
    ['zero with decimals', '0.00'],
    ['exponent', '1e5'],
    ['huge', '99999999999999999999'],
    ['non-numeric', 'ten'],
    ['empty', ''],
    ['leading zeros', '007'],
    ['a float instead of a string', 10.5],
    ['null', null],
  ];
  for (const [label, amount] of badAmounts) {
    it(`amount: ${label}`, async () => {
      await expectNothingWritten(async () => {
        const response = await ledger.gql(DEPOSIT, {
          input: { accountId, amount, reference: 'r' },
        });
        expect(errorOf(response)).toMatchObject({
          code: 'VALIDATION_FAILED',
          fields: expect.arrayContaining(['amount']),
        });
      });
    });
  }

  it('amount: decimals in a currency without minor units (JPY)', async () => {
    await expectNothingWritten(async () => {
      const response = await ledger.gql(DEPOSIT, {
        input: { accountId: yenAccountId, amount: '1.5', reference: 'r' },
      });
      expect(errorOf(response)).toMatchObject({ code: 'VALIDATION_FAILED', fields: ['amount'] });
    });
  });

  const badInputs: [string, string, Record<string, unknown>, string][] = [
    ['unknown currency', OPEN_ACCOUNT, { customerId: 'c', name: 'n', currency: 'XYZ' }, 'currency'],
    [
      'lower-case currency',
      OPEN_ACCOUNT,
      { customerId: 'c', name: 'n', currency: 'usd' },
      'currency',
    ],
    [
      'empty customer id',
      OPEN_ACCOUNT,
      { customerId: '', name: 'n', currency: 'USD' },
      'customerId',
    ],
    [
      'oversized customer id',
      OPEN_ACCOUNT,
      { customerId: 'c'.repeat(129), name: 'n', currency: 'USD' },
      'customerId',
    ],
    ['empty name', OPEN_ACCOUNT, { customerId: 'c', name: '', currency: 'USD' }, 'name'],
    [
      'oversized name',
      OPEN_ACCOUNT,
      { customerId: 'c', name: 'n'.repeat(201), currency: 'USD' },
      'name',
    ],
    ['empty account id', DEPOSIT, { accountId: '', amount: '1', reference: 'r' }, 'accountId'],
    [
      'malformed account id',
      DEPOSIT,
      { accountId: 'not-an-id', amount: '1', reference: 'r' },
      'accountId',
    ],
    [
      'oversized reference',
      DEPOSIT,
      { accountId: randomUUID(), amount: '1', reference: 'r'.repeat(141) },
      'reference',
    ],
    ['missing reference', DEPOSIT, { accountId: randomUUID(), amount: '1' }, 'reference'],
    [
      'empty command id',
      DEPOSIT,
      { commandId: '', accountId: randomUUID(), amount: '1', reference: 'r' },
      'commandId',
    ],
    [
      'oversized command id',
      CLOSE_ACCOUNT,
      { commandId: 'k'.repeat(129), accountId: randomUUID() },
      'commandId',
    ],
    ['empty order id', CANCEL_ORDER, { orderId: '' }, 'orderId'],
  ];
  for (const [label, mutation, input, field] of badInputs) {
    it(label, async () => {
      await expectNothingWritten(async () => {
        const response = await ledger.gql(mutation, { input });
        expect(errorOf(response)).toMatchObject({
          code: 'VALIDATION_FAILED',
          fields: expect.arrayContaining([field]),
        });
      });
    });
  }

  const badOrders: [string, Record<string, unknown>, string][] = [
    ['zero quantity', { quantity: '0' }, 'quantity'],
    ['fractional quantity', { quantity: '1.5' }, 'quantity'],
    ['quantity above the largest', { quantity: (MAX_QUANTITY + 1n).toString() }, 'quantity'],
    ['limit order without a price', { type: 'LIMIT', limitPrice: null }, 'limitPrice'],
    ['market order with a price', { type: 'MARKET', limitPrice: '10.00' }, 'limitPrice'],
    ['limit price with too many decimals', { type: 'LIMIT', limitPrice: '10.001' }, 'limitPrice'],
    ['time in force on a market order', { timeInForceSeconds: 60 }, 'timeInForceSeconds'],
    [
      'time in force out of range',
      { type: 'LIMIT', limitPrice: '10', timeInForceSeconds: 0 },
      'timeInForceSeconds',
    ],
    ['unknown instrument', { instrument: 'NOPE' }, 'instrument'],
    ['instrument in another currency', { instrument: 'SAP' }, 'instrument'],
    ['unknown side', { side: 'HOLD' }, 'side'],
  ];
  for (const [label, change, field] of badOrders) {
    it(`placeOrder: ${label}`, async () => {
      await expectNothingWritten(async () => {
        const input = {
          accountId,
          side: 'BUY',
          type: 'MARKET',
          instrument: 'AAPL',
          quantity: '1',
          ...change,
        };
        const response = await ledger.gql(PLACE_ORDER, { input });
        expect(errorOf(response)).toMatchObject({
          code: 'VALIDATION_FAILED',
          fields: expect.arrayContaining([field]),
        });
      });
    });
  }
});

describe('orders', () => {
  it('places a market order and a limit order, and cancels one before it reaches the market', async () => {
    const accountId = await openAccount();
    const market = result(
      await ledger.gql(PLACE_ORDER, {
        input: { accountId, side: 'BUY', type: 'MARKET', instrument: 'AAPL', quantity: '3' },
      }),
      'placeOrder',
    );
    expect(await streamTypes(`order-${market.id}`)).toEqual(['OrderPlaced.v1']);
    const limit = result(
      await ledger.gql(PLACE_ORDER, {
        input: {
          accountId,
          side: 'SELL',
          type: 'LIMIT',
          instrument: 'MSFT',
          quantity: '2',
          limitPrice: '420.50',
          timeInForceSeconds: 3600,
        },
      }),
      'placeOrder',
    );
    const [placed] = await ledger.store.readStream(`order-${limit.id}`);
    expect(placed!.data).toMatchObject({
      limitPriceMinor: '42050',
      quantity: '2',
      orderType: 'LIMIT',
    });

    result(await ledger.gql(CANCEL_ORDER, { input: { orderId: market.id } }), 'cancelOrder');
    expect(await streamTypes(`order-${market.id}`)).toEqual([
      'OrderPlaced.v1',
      'OrderCancelled.v1',
    ]);
    expect(await streamTypes(`account-${accountId}`)).toEqual([
      'AccountOpened.v1',
      'AccountOrderOpened.v1',
      'AccountOrderOpened.v1',
      'AccountOrderClosed.v1',
    ]);
    const again = await ledger.gql(CANCEL_ORDER, { input: { orderId: market.id } });
    expect(errorOf(again).code).toBe('ORDER_NOT_ACTIVE');
  });

  it('places an order of the largest quantity the domain allows', async () => {
    const accountId = await openAccount();
    const input = { accountId, side: 'BUY', type: 'MARKET', instrument: 'AAPL' };
    const placed = result(
      await ledger.gql(PLACE_ORDER, { input: { ...input, quantity: MAX_QUANTITY.toString() } }),
      'placeOrder',
    );
    const [event] = await ledger.store.readStream(`order-${placed.id}`);
    expect(event!.data).toMatchObject({ quantity: MAX_QUANTITY.toString() });
  });

  it('refuses orders on unknown and closed accounts', async () => {
    const order = { side: 'BUY', type: 'MARKET', instrument: 'AAPL', quantity: '1' };
    const unknown = await ledger.gql(PLACE_ORDER, { input: { ...order, accountId: randomUUID() } });
    expect(errorOf(unknown).code).toBe('NOT_FOUND');
    const accountId = await openAccount();
    result(await ledger.gql(CLOSE_ACCOUNT, { input: { accountId } }), 'closeAccount');
    await expectNothingWritten(async () => {
      const closed = await ledger.gql(PLACE_ORDER, { input: { ...order, accountId } });
      expect(errorOf(closed).code).toBe('ACCOUNT_CLOSED');
    });
    const cancelUnknown = await ledger.gql(CANCEL_ORDER, { input: { orderId: randomUUID() } });
    expect(errorOf(cancelUnknown).code).toBe('NOT_FOUND');
  });
});

describe('closing an account', () => {
  it('needs the account empty and without open orders', async () => {
    const accountId = await openAccount();
    await deposit(accountId, '5.00');
    expect(errorOf(await ledger.gql(CLOSE_ACCOUNT, { input: { accountId } })).code).toBe(
      'ACCOUNT_NOT_EMPTY',
    );
    result(
      await ledger.gql(WITHDRAW, { input: { accountId, amount: '5.00', reference: 'all' } }),
      'withdrawFunds',
    );
    const order = result(
      await ledger.gql(PLACE_ORDER, {
        input: { accountId, side: 'BUY', type: 'MARKET', instrument: 'NVDA', quantity: '1' },
      }),
      'placeOrder',
    );
    expect(errorOf(await ledger.gql(CLOSE_ACCOUNT, { input: { accountId } })).code).toBe(
      'ACCOUNT_HAS_OPEN_ORDERS',
    );
    result(await ledger.gql(CANCEL_ORDER, { input: { orderId: order.id } }), 'cancelOrder');
    result(await ledger.gql(CLOSE_ACCOUNT, { input: { accountId } }), 'closeAccount');
    const afterClose = await ledger.gql(DEPOSIT, {
      input: { accountId, amount: '1', reference: 'late' },
    });
    expect(errorOf(afterClose).code).toBe('ACCOUNT_CLOSED');
    expect(errorOf(await ledger.gql(CLOSE_ACCOUNT, { input: { accountId } })).code).toBe(
      'ACCOUNT_CLOSED',
    );
  });
});

describe('idempotency by commandId', () => {
  it('returns the first result for a retry and appends nothing; other input is IDEMPOTENCY_KEY_REUSED', async () => {
    const accountId = await openAccount();
    const commandId = `deposit-${randomUUID()}`;
    const input = { commandId, accountId, amount: '12.00', reference: 'salary' };
    const first = result(await ledger.gql(DEPOSIT, { input }), 'depositFunds');
    await expectNothingWritten(async () => {
      const retries = await Promise.all([1, 2, 3].map(() => ledger.gql(DEPOSIT, { input })));
      for (const retry of retries) expect(result(retry, 'depositFunds')).toEqual(first);
    });
    await expectNothingWritten(async () => {
      const reused = await ledger.gql(DEPOSIT, { input: { ...input, amount: '13.00' } });
      expect(errorOf(reused).code).toBe('IDEMPOTENCY_KEY_REUSED');
      const otherMutation = await ledger.gql(WITHDRAW, { input });
      expect(errorOf(otherMutation).code).toBe('IDEMPOTENCY_KEY_REUSED');
    });
    expect(await streamTypes(`account-${accountId}`)).toEqual([
      'AccountOpened.v1',
      'FundsDeposited.v2',
    ]);
  });

  it('concurrent retries of one new command append it once', async () => {
    const accountId = await openAccount();
    const input = {
      commandId: `deposit-${randomUUID()}`,
      accountId,
      amount: '1.00',
      reference: 'r',
    };
    const results = await Promise.all(
      Array.from({ length: 8 }, () => ledger.gql(DEPOSIT, { input })),
    );
    const ids = new Set(results.map((r) => JSON.stringify(result(r, 'depositFunds'))));
    expect(ids.size).toBe(1);
    expect(await streamTypes(`account-${accountId}`)).toEqual([
      'AccountOpened.v1',
      'FundsDeposited.v2',
    ]);
  });

  it('openAccount and placeOrder retried with the same commandId give the same id', async () => {
    const input = {
      commandId: `open-${randomUUID()}`,
      customerId: 'c-9',
      name: 'Main',
      currency: 'USD',
    };
    const first = result(await ledger.gql(OPEN_ACCOUNT, { input }), 'openAccount');
    expect(result(await ledger.gql(OPEN_ACCOUNT, { input }), 'openAccount')).toEqual(first);
    const order = {
      commandId: `order-${randomUUID()}`,
      accountId: first.id,
      side: 'BUY',
      type: 'MARKET',
      instrument: 'AAPL',
      quantity: '1',
    };
    const placed = result(await ledger.gql(PLACE_ORDER, { input: order }), 'placeOrder');
    expect(result(await ledger.gql(PLACE_ORDER, { input: order }), 'placeOrder')).toEqual(placed);
    expect(await streamTypes(`order-${placed.id}`)).toEqual(['OrderPlaced.v1']);
  });
});

describe('concurrency', () => {
  it('32 parallel withdrawals never overdraw the account, and every accepted one is in the log', async () => {
    const accountId = await openAccount();
    await deposit(accountId, '100.00');
    const responses = await Promise.all(
      Array.from({ length: 32 }, (_, i) =>
        ledger.gql(WITHDRAW, { input: { accountId, amount: '7.00', reference: `w-${i}` } }),
      ),
    );
    const accepted = responses.filter((r) => !r.errors);
    const refused = responses.filter((r) => r.errors);
    for (const r of refused) {
      expect(['INSUFFICIENT_FUNDS', 'CONCURRENCY_CONFLICT']).toContain(
        r.errors![0]!.extensions?.code,
      );
    }
    // 100.00 / 7.00: at most 14 fit; with bounded retries every one of them gets through.
    expect(accepted.length).toBe(14);
    const events = await ledger.store.readStream(`account-${accountId}`);
    const withdrawals = events.filter((e) => e.type === 'FundsWithdrawn.v1');
    expect(withdrawals).toHaveLength(accepted.length);
    const references = new Set(withdrawals.map((e) => e.data['reference']));
    expect(references.size).toBe(accepted.length);
    const balance = events.reduce((sum, e) => {
      const amount = BigInt(String(e.data['amountMinor'] ?? '0'));
      if (e.type === 'FundsDeposited.v2') return sum + amount;
      if (e.type === 'FundsWithdrawn.v1') return sum - amount;
      return sum;
    }, 0n);
    expect(balance).toBe(200n);
    expect(balance >= 0n).toBe(true);
    // Every accepted response's revision is a distinct withdrawal in the stream.
    const revisions = new Set(
      accepted.map((r) => (r.data as Record<string, CommandResultData>)['withdrawFunds']!.revision),
    );
    expect(revisions).toEqual(new Set(withdrawals.map((e) => e.revision.toString())));
  });
});
