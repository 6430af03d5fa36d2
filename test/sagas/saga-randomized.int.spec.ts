import { setTimeout as sleep } from 'node:timers/promises';
import type pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  MoveFundsCommand,
  MoveFundsHandler,
} from '../../src/commands/accounts/move-funds.handler.js';
import {
  OpenAccountCommand,
  OpenAccountHandler,
} from '../../src/commands/accounts/open-account.handler.js';
import { AggregateStore } from '../../src/commands/aggregate-store.js';
import { CommandRejectedError } from '../../src/shared/ledger-errors.js';
import { OrderSideInput, OrderTypeInput } from '../../src/shared/order-enums.js';
import {
  CancelOrderCommand,
  CancelOrderHandler,
} from '../../src/commands/orders/cancel-order.handler.js';
import {
  PlaceOrderCommand,
  PlaceOrderHandler,
} from '../../src/commands/orders/place-order.handler.js';
import { findInstrument } from '../../src/config/instruments.js';
import { isTerminal } from '../../src/domain/order.decider.js';
import { storedTypeName } from '../../src/events/event-catalog.js';
import { holdingStream } from '../../src/events/stream-names.js';
import { createPool } from '../../src/infrastructure/database/create-pool.js';
import { migrate } from '../../src/infrastructure/database/migrator.js';
import { MIGRATIONS } from '../../src/infrastructure/database/migrations/index.js';
import { PostgresEventStore } from '../../src/infrastructure/event-store/postgres/postgres.event-store.js';
import { systemClock } from '../../src/infrastructure/resilience/clock.js';
import { type MarketResilienceConfig } from '../../src/market/resilient-market-gateway.js';
import { randomInteger, seededRandom } from '../../src/shared/seeded-random.js';
import { SimulatedExchange } from '../../src/market/simulated-exchange.js';
import {
  ORDER_PLACEMENT_SAGA,
  OrderSagasRepository,
} from '../../src/sagas/order-placement/order-sagas.repository.js';
import { createTestDatabase, type TestDatabase } from '../support/test-database.js';
import {
  commandContext,
  killStartedProcesses,
  startProjectorProcess,
  startSagaProcess,
  waitForProjections,
  waitForSagasToRest,
} from './support/processes.js';
import {
  TEST_MARKET,
  expectLogInvariants,
  expectSettledPositions,
  foldOrders,
  readLog,
} from './support/saga-test-kit.js';
import { testSeed } from '../support/test-seed.js';

/**
 * The saga's invariants under everything at once: OPERATIONS random customer operations
 * (deposits, withdrawals, market and limit buys and sells, some limits with a short time
 * in force, cancels) from LANES concurrent clients over ACCOUNTS accounts, on a market that
 * fails FAILURE_RATE of its calls (losing the request or the answer), while the saga
 * process is SIGKILLed and replaced over and over (about 4 kills a run: a replacement
 * takes some 5 s to start on two cores) and trigger events are delivered to it again
 * (its log checkpoint rewound, sagas made due again, finished ones reopened: some 35
 * rewinds redelivering about 2,000 triggers, and some 300 sagas made due or reopened).
 * About 1,150 of the operations are orders; a run takes about 65 s alone, 75 s beside
 * the other saga tests.
 * Then every order must have ended exactly once, and the log and the PostgreSQL views
 * must agree on a ledger that sums to zero, no negative available cash or shares, one
 * fee and one refund at most per order, and holdings that are exactly the settled fills.
 *
 * LEDGER_TEST_SEED=<n> repeats a run's operations, kill and redelivery plan, prices and
 * market faults (the interleaving still depends on timing); the seed is printed.
 */
const SEED = testSeed('saga-randomized');

const ACCOUNTS = 48;
const OPERATIONS = 2_000;
const LANES = 8;
/** Share of the simulated exchange's calls that fail. */
const FAILURE_RATE = 0.1;
/** A saga process works this long (uniform), then is SIGKILLed once its successor is up. */
const KILL_EVERY_MS = [200, 1_500] as const;
/** However fast the operations run, the saga processes are killed at least this often. */
const MIN_KILLS = 3;
/** A redelivery (a checkpoint rewind, or sagas made due again) this often (uniform). */
const REDELIVER_EVERY_MS = [100, 400] as const;
/** How far back a rewind moves the saga's log checkpoint, in events (uniform). */
const REWIND_EVENTS = [20, 600] as const;
const SAGAS_MADE_DUE = 10;
const FINISHED_SAGAS_REOPENED = 5;
/** A bound, not a speed goal: the last saga process settles some 400 orders, on a loaded machine too. */
const SETTLE_TIMEOUT_MS = 120_000;
const PROJECTION_TIMEOUT_MS = 30_000;
const INSTRUMENTS = ['AAPL', 'MSFT', 'NVDA', 'AMZN'];
/**
 * Two attempts per market call, so that one call in a hundred fails for the saga too (and
 * a submit is then unconfirmed, or a turn retried), with deadlines that a loaded machine
 * keeps, and a breaker that opens only briefly.
 */
const RESILIENCE: MarketResilienceConfig = {
  ...TEST_MARKET.resilience,
  attemptTimeoutMs: 1_000,
  callDeadlineMs: 2_000,
};

const SAGA_OPTIONS = { resilience: RESILIENCE, env: { LEDGER_SAGA_CONCURRENCY: '16' } };

let database: TestDatabase;
let pool: pg.Pool;
let store: PostgresEventStore;
let aggregates: AggregateStore;
const exchange = new SimulatedExchange(
  { ...TEST_MARKET.exchange, seed: SEED, tickIntervalMs: 20, failureRate: FAILURE_RATE },
  systemClock,
);

beforeAll(async () => {
  database = await createTestDatabase();
  pool = createPool({ connectionString: database.url, max: 16 });
  await migrate(pool, MIGRATIONS);
  store = new PostgresEventStore(pool, { idleRecheckMs: 200 });
  // Off: the saga process writes the same streams.
  aggregates = new AggregateStore(store, { streamCacheSize: 0 });
});
afterAll(async () => {
  await killStartedProcesses();
  await store?.close();
  await pool?.end();
  await database?.drop();
});

type Operation =
  | { readonly kind: 'deposit' | 'withdraw'; readonly account: number; readonly cents: number }
  | {
      readonly kind: 'order';
      readonly account: number;
      readonly side: OrderSideInput;
      readonly instrument: string;
      readonly quantity: number;
      /** Basis points from the reference price; null for a market order. */
      readonly limitOffsetBps: number | null;
      readonly timeInForceSeconds: number | null;
    }
  /** Cancels one of the account's orders, `recent` back from its newest. */
  | { readonly kind: 'cancel'; readonly account: number; readonly recent: number };

function operationPlan(random: () => number): Operation[] {
  return Array.from({ length: OPERATIONS }, (): Operation => {
    const account = randomInteger(random, 0, ACCOUNTS - 1);
    const draw = random();
    if (draw < 0.12) return { kind: 'deposit', account, cents: randomInteger(random, 1, 500_000) };
    if (draw < 0.22) return { kind: 'withdraw', account, cents: randomInteger(random, 1, 300_000) };
    if (draw < 0.8) {
      const limit = random() < 0.45;
      return {
        kind: 'order',
        account,
        side: draw < 0.57 ? OrderSideInput.BUY : OrderSideInput.SELL,
        instrument: INSTRUMENTS[randomInteger(random, 0, INSTRUMENTS.length - 1)]!,
        quantity: randomInteger(random, 1, 6),
        limitOffsetBps: limit ? randomInteger(random, -300, 300) : null,
        timeInForceSeconds: limit && random() < 0.5 ? randomInteger(random, 1, 2) : null,
      };
    }
    return { kind: 'cancel', account, recent: randomInteger(random, 0, 3) };
  });
}

function decimal(cents: number | bigint): string {
  const value = BigInt(cents);
  return `${value / 100n}.${String(value % 100n).padStart(2, '0')}`;
}

function limitPrice(instrument: string, offsetBps: number): string {
  const reference = findInstrument(instrument)!.referencePriceMinor;
  return decimal((reference * BigInt(10_000 + offsetBps)) / 10_000n);
}

/** A command the domain may refuse (no cash, a finished order): counted, not a failure. */
async function refusable(command: () => Promise<unknown>): Promise<boolean> {
  try {
    await command();
    return true;
  } catch (error) {
    if (error instanceof CommandRejectedError) return false;
    throw error;
  }
}

/** The customers: LANES clients working through the plan, each taking the next operation. */
class Customers {
  readonly accountIds: string[] = [];
  /** Every placed order, and per account its orders, newest last. */
  readonly orderIds: string[] = [];
  private readonly ordersOf = new Map<string, string[]>();
  /** Limit orders without a time in force: they rest until someone cancels them. */
  readonly resting: string[] = [];
  refused = 0;
  private readonly placer: PlaceOrderHandler;
  private readonly canceller: CancelOrderHandler;
  private readonly funds: MoveFundsHandler;

  constructor(private readonly aggregates: AggregateStore) {
    this.placer = new PlaceOrderHandler(aggregates);
    this.canceller = new CancelOrderHandler(aggregates);
    this.funds = new MoveFundsHandler(aggregates);
  }

  async open(random: () => number): Promise<void> {
    for (let i = 0; i < ACCOUNTS; i++) {
      const { id } = await new OpenAccountHandler(this.aggregates).execute(
        new OpenAccountCommand(
          { customerId: `c-${i}`, name: 'Main', currency: 'USD' },
          commandContext('customer'),
        ),
      );
      await this.move('DepositFunds', id, randomInteger(random, 2_000_000, 5_000_000));
      this.accountIds.push(id);
    }
  }

  async run(plan: readonly Operation[]): Promise<void> {
    let next = 0;
    await Promise.all(
      Array.from({ length: LANES }, async () => {
        for (let i = next++; i < plan.length; i = next++) await this.perform(plan[i]!);
      }),
    );
  }

  /** Cancels every order that would otherwise rest at the market for good. */
  async cancelResting(): Promise<void> {
    await Promise.all(this.resting.map((orderId) => this.cancel(orderId)));
  }

  private async perform(operation: Operation): Promise<void> {
    const accountId = this.accountIds[operation.account]!;
    switch (operation.kind) {
      case 'deposit':
        return this.move('DepositFunds', accountId, operation.cents);
      case 'withdraw':
        return this.move('WithdrawFunds', accountId, operation.cents);
      case 'cancel': {
        const orders = this.ordersOf.get(accountId) ?? [];
        const orderId = orders[orders.length - 1 - operation.recent];
        if (orderId !== undefined) await this.cancel(orderId);
        return;
      }
      case 'order': {
        const { side, instrument, quantity, limitOffsetBps, timeInForceSeconds } = operation;
        const { id } = await this.placer.execute(
          new PlaceOrderCommand(
            {
              accountId,
              side,
              type: limitOffsetBps === null ? OrderTypeInput.MARKET : OrderTypeInput.LIMIT,
              instrument,
              quantity: String(quantity),
              limitPrice: limitOffsetBps === null ? null : limitPrice(instrument, limitOffsetBps),
              timeInForceSeconds,
            },
            commandContext('customer'),
          ),
        );
        this.orderIds.push(id);
        this.ordersOf.set(accountId, [...(this.ordersOf.get(accountId) ?? []), id]);
        if (limitOffsetBps !== null && timeInForceSeconds === null) this.resting.push(id);
        return;
      }
    }
  }

  private async move(
    direction: 'DepositFunds' | 'WithdrawFunds',
    accountId: string,
    cents: number,
  ): Promise<void> {
    const input = { accountId, amount: decimal(cents), reference: direction };
    if (
      !(await refusable(() =>
        this.funds.execute(new MoveFundsCommand(direction, input, commandContext('customer'))),
      ))
    ) {
      this.refused++;
    }
  }

  private async cancel(orderId: string): Promise<void> {
    const command = new CancelOrderCommand({ orderId }, commandContext('customer'));
    if (!(await refusable(() => this.canceller.execute(command)))) this.refused++;
  }
}

/** Trigger events the saga's follower makes sagas due for (see saga-log-follower.ts). */
const TRIGGERS = (['OrderPlaced', 'OrderCancellationRequested', 'OrderCancelled'] as const).map(
  storedTypeName,
);

/** Deliveries to the saga over again, counted. */
class Redeliveries {
  rewinds = 0;
  /** Trigger events between a rewound checkpoint and where it stood: each delivered again. */
  redeliveredTriggers = 0;
  madeDue = 0;
  reopened = 0;

  constructor(private readonly pool: pg.Pool) {}

  /**
   * Moves the follower's checkpoint `events` back (in one statement, so that it races no
   * page of the follower's): its next page then finds the checkpoint moved, and it reads
   * the log again from there, delivering those events to the saga a second time.
   */
  async rewind(events: number): Promise<void> {
    const { rows } = await this.pool.query<{ redelivered: number }>(
      `WITH checkpoint AS (
         SELECT commit_position AS c, prepare_position AS p FROM ledger_saga_checkpoints
          WHERE saga = $1 FOR UPDATE),
       back AS (
         SELECT e.tx_id::text::numeric AS c, e.seq AS p FROM ledger_events e, checkpoint
          WHERE (e.tx_id::text::numeric, e.seq) <= (checkpoint.c, checkpoint.p)
          ORDER BY e.tx_id DESC, e.seq DESC OFFSET $2 LIMIT 1),
       moved AS (
         UPDATE ledger_saga_checkpoints s SET commit_position = back.c, prepare_position = back.p
           FROM back WHERE s.saga = $1 RETURNING 1)
       SELECT count(*)::int AS redelivered FROM ledger_events e, checkpoint, back, moved
        WHERE (e.tx_id::text::numeric, e.seq) > (back.c, back.p)
          AND (e.tx_id::text::numeric, e.seq) <= (checkpoint.c, checkpoint.p)
          AND e.type = ANY($3::text[])`,
      [ORDER_PLACEMENT_SAGA, events, TRIGGERS],
    );
    this.rewinds++;
    this.redeliveredTriggers += rows[0]?.redelivered ?? 0;
  }

  /**
   * What a redelivered trigger does to a saga, at random: an active saga due at once
   * (ahead of its timer), and a finished one active again (a delivery after its end).
   */
  async remark(): Promise<void> {
    const due = await this.pool.query(
      `UPDATE ledger_order_sagas SET due_at = now() WHERE order_id IN (
         SELECT order_id FROM ledger_order_sagas WHERE status = 'active'
          ORDER BY random() LIMIT $1)`,
      [SAGAS_MADE_DUE],
    );
    const reopened = await this.pool.query(
      `UPDATE ledger_order_sagas SET status = 'active', due_at = now() WHERE order_id IN (
         SELECT order_id FROM ledger_order_sagas WHERE status = 'finished'
          ORDER BY random() LIMIT $1)`,
      [FINISHED_SAGAS_REOPENED],
    );
    this.madeDue += due.rowCount ?? 0;
    this.reopened += reopened.rowCount ?? 0;
  }
}

function between(random: () => number, [min, max]: readonly [number, number]): number {
  return randomInteger(random, min, max);
}

/**
 * With no more kills or redeliveries: a last saga process finishes every order (the resting
 * ones cancelled by their customers). Answers the sagas that were parked on the way, which
 * an admin then retried, the market no longer failing.
 */
async function settle(customers: Customers): Promise<string[]> {
  const survivor = startSagaProcess(database.url, exchange, SAGA_OPTIONS);
  try {
    await survivor.ready;
    await customers.cancelResting();
    const orders = customers.orderIds.length;
    const parked = await waitForSagasToRest(pool, orders, SETTLE_TIMEOUT_MS);
    if (parked.length > 0) {
      exchange.setFailureRate(0);
      const sagas = new OrderSagasRepository(pool);
      for (const orderId of parked) expect(await sagas.unpark(orderId)).toBe(true);
      expect(await waitForSagasToRest(pool, orders, SETTLE_TIMEOUT_MS)).toEqual([]);
    }
    return parked;
  } finally {
    await survivor.kill('SIGTERM');
  }
}

describe('order placement saga under random operations, faults, redeliveries and kills', () => {
  it(
    'ends every order once, and the log and the views keep every invariant',
    { timeout: 300_000 },
    async () => {
      const started = Date.now();
      const customers = new Customers(aggregates);
      await customers.open(seededRandom(SEED, 'accounts'));
      const projector = startProjectorProcess(database.url);
      await projector.ready;

      let operating = true;
      let kills = 0;
      const killRandom = seededRandom(SEED, 'kills');
      // The next saga process starts before the last one is killed, as a new instance of a
      // rolling restart would: killed processes' leases run out while another one is up.
      const chaos = (async () => {
        let saga = startSagaProcess(database.url, exchange, SAGA_OPTIONS);
        await saga.ready;
        // The last kill comes after the loop.
        while (operating || kills < MIN_KILLS - 1) {
          await sleep(between(killRandom, KILL_EVERY_MS));
          const next = startSagaProcess(database.url, exchange, SAGA_OPTIONS);
          await next.ready;
          await saga.kill('SIGKILL');
          kills++;
          saga = next;
        }
        await saga.kill('SIGKILL');
        kills++;
      })();
      const redeliveries = new Redeliveries(pool);
      const redeliveryRandom = seededRandom(SEED, 'redeliveries');
      const redelivering = (async () => {
        while (operating) {
          await sleep(between(redeliveryRandom, REDELIVER_EVERY_MS));
          if (redeliveryRandom() < 0.5)
            await redeliveries.rewind(between(redeliveryRandom, REWIND_EVENTS));
          else await redeliveries.remark();
        }
      })();
      try {
        await customers.run(operationPlan(seededRandom(SEED, 'operations')));
      } finally {
        operating = false;
        await Promise.all([chaos, redelivering]);
      }
      const operated = Date.now();

      const parked = await settle(customers);
      const settled = Date.now();
      try {
        await waitForProjections(pool, PROJECTION_TIMEOUT_MS);
      } finally {
        await projector.kill('SIGTERM');
      }

      // The log.
      const log = await readLog(store);
      expectLogInvariants(log);
      const orders = foldOrders(log);
      expect(orders.size).toBe(customers.orderIds.length);
      for (const orderId of customers.orderIds) {
        const order = orders.get(orderId)!;
        expect(isTerminal(order), `order ${orderId} is ${order.status}`).toBe(true);
      }
      const { accounts, holdings } = expectSettledPositions(log);
      const postings = log.flatMap(({ event }) =>
        'postings' in event.data ? event.data.postings : [],
      );

      // The views, against the log.
      const ledger = await pool.query<{ sum: string; n: number }>(
        'SELECT COALESCE(sum(amount_minor), 0)::text AS sum, count(*)::int AS n FROM view_ledger_entries',
      );
      expect(ledger.rows[0]).toEqual({ sum: '0', n: postings.length });
      const accountRows = await pool.query<{ id: string; balance: string; reserved: string }>(
        `SELECT account_id AS id, balance_minor::text AS balance, reserved_minor::text AS reserved
         FROM view_accounts`,
      );
      expect(accountRows.rows.length).toBe(ACCOUNTS);
      for (const row of accountRows.rows) {
        const account = accounts.get(row.id)!;
        expect(BigInt(row.balance) - BigInt(row.reserved)).toBeGreaterThanOrEqual(0n);
        expect([BigInt(row.balance), BigInt(row.reserved)], `view of account ${row.id}`).toEqual([
          account.balanceMinor,
          account.reservedMinor,
        ]);
      }
      const holdingRows = await pool.query<{
        account: string;
        instrument: string;
        quantity: string;
        reserved: string;
      }>(
        `SELECT account_id AS account, instrument, quantity::text, reserved_quantity::text AS reserved
         FROM view_holdings`,
      );
      const viewHoldings = new Map(
        holdingRows.rows.map((row) => [holdingStream(row.account, row.instrument), row]),
      );
      for (const row of viewHoldings.values()) {
        expect(BigInt(row.quantity) - BigInt(row.reserved)).toBeGreaterThanOrEqual(0n);
      }
      for (const [stream, holding] of holdings) {
        const row = viewHoldings.get(stream);
        expect(
          [BigInt(row?.quantity ?? 0), BigInt(row?.reserved ?? 0)],
          `view of ${stream}`,
        ).toEqual([holding.quantity, holding.reservedQuantity]);
      }
      const orderRows = await pool.query<{ id: string; status: string }>(
        'SELECT order_id AS id, status FROM view_orders',
      );
      expect(orderRows.rows.length).toBe(orders.size);
      for (const row of orderRows.rows) {
        expect(row.status, `view of order ${row.id}`).toBe(orders.get(row.id)?.status);
      }

      const statuses = new Map<string, number>();
      for (const order of orders.values()) {
        statuses.set(order.status, (statuses.get(order.status) ?? 0) + 1);
      }
      console.log(
        `saga-randomized seed ${SEED}: ${OPERATIONS} operations (${customers.refused} refused) ` +
          `over ${ACCOUNTS} accounts, ${orders.size} orders ${JSON.stringify(Object.fromEntries(statuses))}, ` +
          `${kills} kills, ${redeliveries.rewinds} rewinds redelivering ${redeliveries.redeliveredTriggers} ` +
          `triggers, ${redeliveries.madeDue} sagas made due, ${redeliveries.reopened} finished reopened, ` +
          `${parked.length} parked; ${log.length} events; operations ${operated - started} ms, ` +
          `settled ${settled - operated} ms, total ${Date.now() - started} ms`,
      );
      expect(kills).toBeGreaterThanOrEqual(MIN_KILLS);
      expect(redeliveries.redeliveredTriggers).toBeGreaterThan(0);
    },
  );
});
