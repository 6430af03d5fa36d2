import { setTimeout as sleep } from 'node:timers/promises';
import type pg from 'pg';
import { afterAll, beforeAll, describe, expect, it, onTestFinished, vi } from 'vitest';
import { AggregateStore } from '../../src/commands/aggregate-store.js';
import { orderDecider, initialOrderState } from '../../src/domain/order.decider.js';
import { type OrderEvent } from '../../src/domain/order.events.js';
import { type OrderSagaEvent } from '../../src/events/order-saga.events.js';
import { DATABASE_POOL } from '../../src/infrastructure/database/database.tokens.js';
import { comparePositions } from '../../src/event-store/position.js';
import { systemClock } from '../../src/infrastructure/resilience/clock.js';
import { FeeSchedule } from '../../src/market/fee-schedule.js';
import { MARKET_GATEWAY, type MarketGateway } from '../../src/market/market-gateway.port.js';
import { SimulatedExchange } from '../../src/market/simulated-exchange.js';
import {
  initialSagaState,
  evolveSaga,
  nextAction,
} from '../../src/sagas/order-placement/order-placement.saga.js';
import { OrderPlacementSteps } from '../../src/sagas/order-placement/order-placement.steps.js';
import { type TestApp, bearerFor, startTestApp, temporaryDataDir } from '../support/test-app.js';
import {
  LedgerClient,
  TEST_MARKET,
  TEST_SAGAS,
  expectLogInvariants,
  readLog,
} from './support/saga-test-kit.js';

let ledger: TestApp;
let client: LedgerClient;
let exchange: SimulatedExchange;
let dataDir: Awaited<ReturnType<typeof temporaryDataDir>>;

beforeAll(async () => {
  dataDir = await temporaryDataDir();
  // The embedded default (PostgreSQL event store started by the app), a fast test market.
  ledger = await startTestApp({ dataDir: dataDir.dir, sagas: TEST_SAGAS }, { market: TEST_MARKET });
  client = new LedgerClient(ledger);
  exchange = ledger.app.get(SimulatedExchange);
});
afterAll(async () => {
  await ledger?.close();
  await dataDir?.remove();
});

function minor(decimal: string): bigint {
  const [whole, fraction = ''] = decimal.split('.');
  const sign = whole!.startsWith('-') ? -1n : 1n;
  return (
    sign * (BigInt(whole!.replace('-', '')) * 100n + BigInt(fraction.padEnd(2, '0').slice(0, 2)))
  );
}

/** Cash the order's fills moved, from the log. */
async function tradedMinor(orderId: string): Promise<bigint> {
  const log = await readLog(ledger.store);
  return log.reduce(
    (sum, { event }) =>
      event.type === 'TradeCashSettled' && event.data.orderId === orderId
        ? sum + event.data.amountMinor
        : sum,
    0n,
  );
}

async function expectNoReservation(accountId: string): Promise<void> {
  expect((await client.account(accountId)).reserved).toBe('0.00');
}

/**
 * The market loses the order from its book, as a market that lost its book would. The
 * saga accepts an order on its stream before it sends it, so an order the views show
 * ACCEPTED may not be in the book yet: wait (bounded) until it is. Read from the book's
 * table, not through the exchange, whose calls fail as a test sets them to.
 */
async function forgetAtMarket(orderId: string): Promise<void> {
  const pool = ledger.app.get<pg.Pool>(DATABASE_POOL);
  await vi.waitFor(
    async () => {
      const { rowCount } = await pool.query(
        'SELECT 1 FROM ledger_market_orders WHERE order_id = $1',
        [orderId],
      );
      expect(rowCount).toBe(1);
    },
    { timeout: 10_000, interval: 20 },
  );
  const { rowCount } = await pool.query('DELETE FROM ledger_market_orders WHERE order_id = $1', [
    orderId,
  ]);
  expect(rowCount).toBe(1);
}

/** A gate a stubbed market call waits on. */
function gate(): { opened: Promise<void>; open(): void } {
  let open = (): void => undefined;
  const opened = new Promise<void>((resolve) => {
    open = resolve;
  });
  return { opened, open };
}

describe('order placement saga, end to end over GraphQL', () => {
  it('buys at the market: reserve, fee, send, settle, release, COMPLETED', async () => {
    const accountId = await client.openFundedAccount('10000.00');
    const orderId = await client.placeOrder({
      accountId,
      side: 'BUY',
      type: 'MARKET',
      instrument: 'AAPL',
      quantity: '2',
    });

    const order = await client.finalOrder(orderId);
    expect(order.status).toBe('COMPLETED');
    expect(order.filledQuantity).toBe('2');
    const fee = minor(order.fee);
    expect(fee).toBeGreaterThanOrEqual(100n);
    const account = await client.account(accountId);
    expect(minor(account.balance)).toBe(1_000_000n - fee - (await tradedMinor(orderId)));
    expect(account.reserved).toBe('0.00');
    const holding = await client.holding(accountId, 'AAPL');
    expect(holding).toMatchObject({ quantity: '2', reserved: '0', available: '2' });
  });

  it('settles every partial fill of an order larger than one fill', async () => {
    const accountId = await client.openFundedAccount('10000.00');
    const orderId = await client.placeOrder({
      accountId,
      side: 'BUY',
      type: 'MARKET',
      instrument: 'NVDA',
      quantity: '7',
    });

    const order = await client.finalOrder(orderId);
    expect(order.status).toBe('COMPLETED');
    const fills = (await readLog(ledger.store)).filter(
      ({ event }) => event.type === 'OrderFilled' && event.data.orderId === orderId,
    );
    expect(fills.length).toBe(3);
    expect(await client.holding(accountId, 'NVDA')).toMatchObject({ quantity: '7', reserved: '0' });
    const account = await client.account(accountId);
    expect(minor(account.balance)).toBe(
      1_000_000n - minor(order.fee) - (await tradedMinor(orderId)),
    );
    await expectNoReservation(accountId);
  });

  it('sells: reserve shares, fee, send, dispose and credit the cash', async () => {
    const accountId = await client.openFundedAccount('5000.00');
    const bought = await client.placeOrder({
      accountId,
      side: 'BUY',
      type: 'MARKET',
      instrument: 'AMZN',
      quantity: '3',
    });
    expect((await client.finalOrder(bought)).status).toBe('COMPLETED');
    const before = minor((await client.account(accountId)).balance);

    const sold = await client.placeOrder({
      accountId,
      side: 'SELL',
      type: 'MARKET',
      instrument: 'AMZN',
      quantity: '2',
    });
    const order = await client.finalOrder(sold);
    expect(order.status).toBe('COMPLETED');
    const after = minor((await client.account(accountId)).balance);
    expect(after).toBe(before + (await tradedMinor(sold)) - minor(order.fee));
    expect(await client.holding(accountId, 'AMZN')).toMatchObject({ quantity: '1', reserved: '0' });
  });

  it('rejects a buy the cash cannot cover: no fee, nothing reserved', async () => {
    const accountId = await client.openFundedAccount('10.00');
    const orderId = await client.placeOrder({
      accountId,
      side: 'BUY',
      type: 'MARKET',
      instrument: 'AAPL',
      quantity: '5',
    });

    const order = await client.finalOrder(orderId);
    expect(order).toMatchObject({ status: 'REJECTED', fee: '0.00' });
    expect(order.reason).toContain('INSUFFICIENT_FUNDS');
    expect(await client.account(accountId)).toMatchObject({ balance: '10.00', reserved: '0.00' });
  });

  it('rejects a sell of shares the account does not hold', async () => {
    const accountId = await client.openFundedAccount('100.00');
    const orderId = await client.placeOrder({
      accountId,
      side: 'SELL',
      type: 'MARKET',
      instrument: 'MSFT',
      quantity: '5',
    });

    const order = await client.finalOrder(orderId);
    expect(order.status).toBe('REJECTED');
    expect(order.reason).toContain('INSUFFICIENT_HOLDINGS');
    expect((await client.account(accountId)).balance).toBe('100.00');
  });

  it('rejects when the fee cannot be charged, and releases the reserved shares', async () => {
    const accountId = await client.openFundedAccount('500.00');
    const bought = await client.placeOrder({
      accountId,
      side: 'BUY',
      type: 'MARKET',
      instrument: 'NVDA',
      quantity: '2',
    });
    expect((await client.finalOrder(bought)).status).toBe('COMPLETED');
    await client.withdraw(accountId, (await client.account(accountId)).available);

    const orderId = await client.placeOrder({
      accountId,
      side: 'SELL',
      type: 'MARKET',
      instrument: 'NVDA',
      quantity: '1',
    });
    const order = await client.finalOrder(orderId);
    expect(order.status).toBe('REJECTED');
    expect(order.reason).toContain('INSUFFICIENT_FUNDS');
    expect(await client.holding(accountId, 'NVDA')).toMatchObject({
      quantity: '2',
      reserved: '0',
      available: '2',
    });
    expect((await client.account(accountId)).balance).toBe('0.00');
  });

  it('fails an order the market rejects: fee refunded, cash released', async () => {
    const accountId = await client.openFundedAccount('10000.00');
    await exchange.setHalted('TSLA', true);
    try {
      const orderId = await client.placeOrder({
        accountId,
        side: 'BUY',
        type: 'MARKET',
        instrument: 'TSLA',
        quantity: '1',
      });
      const order = await client.finalOrder(orderId);
      expect(order.status).toBe('FAILED');
      expect(order.reason).toContain('INSTRUMENT_HALTED');
      expect(order.fee).toBe('0.00');
    } finally {
      await exchange.setHalted('TSLA', false);
    }
    expect(await client.account(accountId)).toMatchObject({
      balance: '10000.00',
      reserved: '0.00',
    });
  });

  it('fails an order whose submit times out, after the market confirms it never placed it', async () => {
    const accountId = await client.openFundedAccount('10000.00');
    // The request never reaches the market: every attempt runs into its deadline.
    const hang = vi
      .spyOn(exchange, 'submitOrder')
      .mockImplementation(() => new Promise(() => undefined));
    try {
      const orderId = await client.placeOrder({
        accountId,
        side: 'BUY',
        type: 'MARKET',
        instrument: 'MSFT',
        quantity: '1',
      });
      const order = await client.finalOrder(orderId);
      expect(order.status).toBe('FAILED');
      expect(order.reason).toContain('did not answer');
      expect(hang).toHaveBeenCalled();
    } finally {
      hang.mockRestore();
    }
    expect(await client.account(accountId)).toMatchObject({
      balance: '10000.00',
      reserved: '0.00',
    });
  });

  it('cancels before the order is sent: the saga stops and compensates', async () => {
    const accountId = await client.openFundedAccount('10000.00');
    const quoted = gate();
    const real = exchange.getInstrument.bind(exchange);
    const held = vi.spyOn(exchange, 'getInstrument').mockImplementation(async (symbol) => {
      await quoted.opened;
      return real(symbol);
    });
    try {
      const orderId = await client.placeOrder({
        accountId,
        side: 'BUY',
        type: 'MARKET',
        instrument: 'TSLA',
        quantity: '1',
      });
      await vi.waitFor(() => expect(held).toHaveBeenCalled(), { timeout: 5_000 });
      await client.cancel(orderId);
      quoted.open();
      const order = await client.finalOrder(orderId);
      expect(order).toMatchObject({ status: 'CANCELLED', fee: '0.00', filledQuantity: '0' });
    } finally {
      held.mockRestore();
    }
    expect(await client.account(accountId)).toMatchObject({
      balance: '10000.00',
      reserved: '0.00',
    });
  });

  it('cancels an order resting at the market: cancelled there, fee refunded, cash released', async () => {
    const accountId = await client.openFundedAccount('10000.00');
    const orderId = await client.placeOrder({
      accountId,
      side: 'BUY',
      type: 'LIMIT',
      instrument: 'AAPL',
      quantity: '5',
      limitPrice: '100.00',
    });
    await client.orderReaching(orderId, ['ACCEPTED']);
    await client.cancel(orderId);

    const order = await client.finalOrder(orderId);
    expect(order).toMatchObject({ status: 'CANCELLED', filledQuantity: '0', fee: '0.00' });
    expect(await client.account(accountId)).toMatchObject({
      balance: '10000.00',
      reserved: '0.00',
    });
  });

  it('cancels a partly filled order: its fills settle, the rest is released', async () => {
    const accountId = await client.openFundedAccount('200000.00');
    const orderId = await client.placeOrder({
      accountId,
      side: 'BUY',
      type: 'LIMIT',
      instrument: 'AAPL',
      quantity: '300',
      limitPrice: '300.00',
    });
    await client.orderReaching(orderId, ['PARTIALLY_FILLED']);
    await client.cancel(orderId);

    const order = await client.finalOrder(orderId);
    expect(order.status).toBe('CANCELLED');
    const filled = BigInt(order.filledQuantity);
    expect(filled).toBeGreaterThan(0n);
    expect(filled).toBeLessThan(300n);
    expect(minor(order.fee)).toBeGreaterThan(0n);
    expect((await client.holding(accountId, 'AAPL'))?.quantity).toBe(order.filledQuantity);
    const account = await client.account(accountId);
    expect(minor(account.balance)).toBe(
      20_000_000n - minor(order.fee) - (await tradedMinor(orderId)),
    );
    expect(account.reserved).toBe('0.00');
  });

  it('expires a limit order after its time in force, with the fills so far settled', async () => {
    const accountId = await client.openFundedAccount('200000.00');
    const resting = await client.placeOrder({
      accountId,
      side: 'BUY',
      type: 'LIMIT',
      instrument: 'MSFT',
      quantity: '5',
      limitPrice: '100.00',
      timeInForceSeconds: 1,
    });
    const filling = await client.placeOrder({
      accountId,
      side: 'BUY',
      type: 'LIMIT',
      instrument: 'AAPL',
      quantity: '500',
      limitPrice: '300.00',
      timeInForceSeconds: 1,
    });

    const unfilled = await client.finalOrder(resting);
    expect(unfilled).toMatchObject({ status: 'EXPIRED', filledQuantity: '0', fee: '0.00' });
    const partial = await client.finalOrder(filling);
    expect(partial.status).toBe('EXPIRED');
    expect(BigInt(partial.filledQuantity)).toBeGreaterThan(0n);
    expect((await client.holding(accountId, 'AAPL'))?.quantity).toBe(partial.filledQuantity);
    const account = await client.account(accountId);
    expect(minor(account.balance)).toBe(
      20_000_000n - minor(partial.fee) - (await tradedMinor(filling)),
    );
    expect(account.reserved).toBe('0.00');
  });
});

describe('parked sagas', () => {
  const PARKED = `query { parkedSagas { orderId action error failures } parkedSagaCount sagaStatus { name active parked } }`;
  interface Parked {
    parkedSagas: { orderId: string; action: string; error: string; failures: number }[];
    parkedSagaCount: number;
    sagaStatus: { name: string; active: number; parked: number }[];
  }

  /** The value of the ledger_parked_sagas gauge on GET /metrics. */
  async function parkedGauge(): Promise<string | undefined> {
    const response = await ledger.app.inject({
      method: 'GET',
      url: '/metrics',
      headers: { authorization: await bearerFor('test-admin', ['admin']) },
    });
    expect(response.statusCode).toBe(200);
    expect(response.body).toContain('# TYPE ledger_parked_sagas gauge\n');
    return /^ledger_parked_sagas (\S+)$/m.exec(response.body)?.[1];
  }

  async function parkedOrder(): Promise<{ accountId: string; orderId: string }> {
    const accountId = await client.openFundedAccount('10000.00');
    exchange.setFailureRate(1);
    onTestFinished(() => exchange.setFailureRate(0));
    const orderId = await client.placeOrder({
      accountId,
      side: 'BUY',
      type: 'LIMIT',
      instrument: 'AAPL',
      quantity: '1',
      limitPrice: '1.00',
    });
    await vi.waitFor(
      async () => {
        const response = await ledger.gql<Parked>(PARKED);
        expect(response.data?.parkedSagas.map((saga) => saga.orderId)).toContain(orderId);
      },
      { timeout: 10_000, interval: 50 },
    );
    return { accountId, orderId };
  }

  it('parks a saga the market keeps failing, lists and counts it, and compensates it on an admin’s word', async () => {
    const { accountId, orderId } = await parkedOrder();
    const response = await ledger.gql<Parked>(PARKED);
    const parked = response.data!.parkedSagas.find((saga) => saga.orderId === orderId)!;
    expect(parked).toMatchObject({ action: 'confirmUnplaced', failures: TEST_SAGAS.maxAttempts });
    expect(parked.error).toContain('MarketUnavailableError');
    expect(response.data!.parkedSagaCount).toBe(1);
    expect(response.data!.sagaStatus).toEqual([
      expect.objectContaining({ name: 'order-placement', parked: 1 }),
    ]);
    expect((await client.order(orderId))?.status).toBe('ACCEPTED');
    expect(await parkedGauge()).toBe('1');

    exchange.setFailureRate(0);
    const compensated = await ledger.gql(
      `mutation ($input: SagaOrderInput!) { compensateSaga(input: $input) { id revision position } }`,
      { input: { orderId } },
    );
    expect(compensated.errors).toBeUndefined();
    const order = await client.finalOrder(orderId);
    expect(order).toMatchObject({ status: 'FAILED', fee: '0.00' });
    expect(await client.account(accountId)).toMatchObject({
      balance: '10000.00',
      reserved: '0.00',
    });
    expect((await ledger.gql<Parked>(PARKED)).data!.parkedSagaCount).toBe(0);
    expect(await parkedGauge()).toBe('0');
  });

  /** A limit order resting at the market whose saga is parked at `poll`: the market stopped answering. */
  async function parkedAtPoll(): Promise<{ accountId: string; orderId: string }> {
    const accountId = await client.openFundedAccount('10000.00');
    const orderId = await client.placeOrder({
      accountId,
      side: 'BUY',
      type: 'LIMIT',
      instrument: 'AAPL',
      quantity: '2',
      limitPrice: '1.00',
    });
    await client.orderReaching(orderId, ['ACCEPTED']);
    exchange.setFailureRate(1);
    onTestFinished(() => exchange.setFailureRate(0));
    await vi.waitFor(
      async () => {
        const response = await ledger.gql<Parked>(PARKED);
        expect(response.data?.parkedSagas).toContainEqual(
          expect.objectContaining({ orderId, action: 'poll' }),
        );
      },
      { timeout: 10_000, interval: 50 },
    );
    return { accountId, orderId };
  }

  const COMPENSATE = `mutation ($input: SagaOrderInput!) { compensateSaga(input: $input) { id } }`;

  it('compensates a saga parked at poll: refused while the market does not answer; once it disowns the order, FAILED, released, refunded, not parked again', async () => {
    const { accountId, orderId } = await parkedAtPoll();
    const refused = await ledger.gql(COMPENSATE, { input: { orderId } });
    expect(refused.errors?.[0]?.extensions?.code).toBe('COMPENSATION_NEEDS_MARKET');
    expect(refused.errors?.[0]?.message).toContain('failSaga');
    expect((await ledger.gql<Parked>(PARKED)).data!.parkedSagaCount).toBe(1);
    expect((await client.account(accountId)).reserved).not.toBe('0.00');

    await forgetAtMarket(orderId);
    exchange.setFailureRate(0);
    const compensated = await ledger.gql(COMPENSATE, { input: { orderId } });
    expect(compensated.errors).toBeUndefined();
    const order = await client.finalOrder(orderId);
    expect(order).toMatchObject({ status: 'FAILED', fee: '0.00', filledQuantity: '0' });
    expect(order.reason).toContain('compensated by an admin');
    expect(order.reason).toContain('does not know the order');
    expect(await client.account(accountId)).toMatchObject({
      balance: '10000.00',
      reserved: '0.00',
    });
    await sleep(10 * TEST_SAGAS.marketPollIntervalMs);
    const status = await ledger.gql<Parked>(PARKED);
    expect(status.data!.parkedSagaCount).toBe(0);
    expect(status.data!.sagaStatus[0]!.active).toBe(0);
  });

  it('compensates a saga parked at poll whose order the market still holds: cancelled there, FAILED, released', async () => {
    const { accountId, orderId } = await parkedAtPoll();
    exchange.setFailureRate(0);
    const compensated = await ledger.gql(COMPENSATE, { input: { orderId } });
    expect(compensated.errors).toBeUndefined();
    expect(await exchange.getOrder(orderId)).toMatchObject({ status: 'CANCELLED' });
    const order = await client.finalOrder(orderId);
    expect(order).toMatchObject({
      status: 'FAILED',
      reason: 'compensated by an admin',
      fee: '0.00',
    });
    expect(await client.account(accountId)).toMatchObject({
      balance: '10000.00',
      reserved: '0.00',
    });
    expect((await ledger.gql<Parked>(PARKED)).data!.parkedSagaCount).toBe(0);
  });

  it('fails a parked saga on an admin’s word, and refuses to act on one that is not parked', async () => {
    const { accountId, orderId } = await parkedOrder();
    exchange.setFailureRate(0);
    const failed = await ledger.gql(
      `mutation ($input: FailSagaInput!) { failSaga(input: $input) { id } }`,
      { input: { orderId, reason: 'checked with the exchange' } },
    );
    expect(failed.errors).toBeUndefined();
    const order = await client.finalOrder(orderId);
    expect(order.status).toBe('FAILED');
    expect(order.reason).toContain('checked with the exchange');
    expect(await client.account(accountId)).toMatchObject({
      balance: '10000.00',
      reserved: '0.00',
    });

    const retried = await ledger.gql(
      `mutation ($input: SagaOrderInput!) { retrySaga(input: $input) { id } }`,
      { input: { orderId } },
    );
    expect(retried.errors?.[0]?.extensions?.code).toBe('ORDER_NOT_ACTIVE');
    const unknown = await ledger.gql(
      `mutation ($input: SagaOrderInput!) { retrySaga(input: $input) { id } }`,
      { input: { orderId: '00000000-0000-4000-8000-000000000000' } },
    );
    expect(unknown.errors?.[0]?.extensions?.code).toBe('NOT_FOUND');
    const invalid = await ledger.gql(
      `mutation ($input: SagaOrderInput!) { retrySaga(input: $input) { id } }`,
      { input: { orderId: 'not an id' } },
    );
    expect(invalid.errors?.[0]?.extensions?.code).toBe('VALIDATION_FAILED');
  });
});

describe('an order the market lost', () => {
  it('ends FAILED on its own after the market confirms it does not know it: released, refunded, never parked', async () => {
    const accountId = await client.openFundedAccount('10000.00');
    const orderId = await client.placeOrder({
      accountId,
      side: 'BUY',
      type: 'LIMIT',
      instrument: 'MSFT',
      quantity: '3',
      limitPrice: '1.00',
    });
    await client.orderReaching(orderId, ['ACCEPTED']);
    await forgetAtMarket(orderId);

    const order = await client.finalOrder(orderId);
    expect(order).toMatchObject({
      status: 'FAILED',
      reason: 'the market does not know the order',
      fee: '0.00',
    });
    expect(await client.account(accountId)).toMatchObject({
      balance: '10000.00',
      reserved: '0.00',
    });
    // The market refuses the id for good now: the order can never trade.
    expect(await exchange.getOrder(orderId)).toBeUndefined();
    const log = await readLog(ledger.store);
    const sagaEvents = log.filter(({ recorded }) => recorded.streamId === `order-saga-${orderId}`);
    expect(sagaEvents.map(({ event }) => event.type)).toEqual(
      expect.arrayContaining(['OrderSagaMarketOrderMissing', 'OrderSagaMarketOrderLost']),
    );
  });
});

describe('redelivery', () => {
  it('repeats every step of every finished saga from every point it reached, and writes nothing', async () => {
    await vi.waitFor(
      async () =>
        expect(
          (
            await ledger.gql<{ sagaStatus: { active: number }[] }>(
              `query { sagaStatus { active } }`,
            )
          ).data!.sagaStatus[0]!.active,
        ).toBe(0),
      { timeout: 10_000, interval: 50 },
    );
    const steps = new OrderPlacementSteps(
      ledger.app.get(AggregateStore),
      ledger.app.get<MarketGateway>(MARKET_GATEWAY),
      ledger.app.get(FeeSchedule),
      systemClock,
      TEST_SAGAS,
    );
    const log = await readLog(ledger.store);
    const before = log.length;
    const orderIds = log.flatMap(({ event }) =>
      event.type === 'OrderSagaFinished' ? [event.data.orderId] : [],
    );
    expect(orderIds.length).toBeGreaterThanOrEqual(12);
    let repeated = 0;
    for (const orderId of orderIds) {
      const sagaEvents = log.filter(
        ({ recorded }) => recorded.streamId === `order-saga-${orderId}`,
      );
      const orderEvents = log.filter(({ recorded }) => recorded.streamId === `order-${orderId}`);
      let saga = initialSagaState;
      for (const next of sagaEvents) {
        // What the saga saw when it took the step that `next` records: a crash right after
        // the step's effects, before its record, brings a redelivery to exactly this.
        const order = orderEvents
          .filter(({ recorded }) => comparePositions(recorded.position, next.recorded.position) < 0)
          .reduce(
            (state, { event }) => orderDecider.evolve(state, event as OrderEvent),
            initialOrderState,
          );
        const action = nextAction(saga, order, Date.parse(next.recorded.createdAt.toISOString()));
        if (action.kind !== 'done') {
          await steps.perform(action, saga, order);
          repeated++;
        }
        saga = evolveSaga(saga, next.event as OrderSagaEvent);
      }
    }
    expect(repeated).toBeGreaterThan(50);
    expect((await readLog(ledger.store)).length).toBe(before);
    expectLogInvariants(await readLog(ledger.store));
  });
});
