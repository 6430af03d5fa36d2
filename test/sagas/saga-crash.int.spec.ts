import { type ChildProcess, spawn } from 'node:child_process';
import { randomInt, randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import type pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  OpenAccountCommand,
  OpenAccountHandler,
} from '../../src/commands/accounts/open-account.handler.js';
import {
  MoveFundsCommand,
  MoveFundsHandler,
} from '../../src/commands/accounts/move-funds.handler.js';
import { AggregateStore } from '../../src/commands/aggregate-store.js';
import { type CommandContext } from '../../src/commands/command-context.js';
import {
  type OpenAccountInput,
  type MoveFundsInput,
} from '../../src/commands/inputs/account.inputs.js';
import {
  OrderSideInput,
  OrderTypeInput,
  type PlaceOrderInput,
} from '../../src/commands/inputs/order.inputs.js';
import {
  PlaceOrderCommand,
  PlaceOrderHandler,
} from '../../src/commands/orders/place-order.handler.js';
import {
  CancelOrderCommand,
  CancelOrderHandler,
} from '../../src/commands/orders/cancel-order.handler.js';
import { accountDecider, availableMinor } from '../../src/domain/account.decider.js';
import { availableQuantity, holdingDecider } from '../../src/domain/holding.decider.js';
import { isTerminal, orderDecider } from '../../src/domain/order.decider.js';
import { accountStream, holdingStream, orderStream } from '../../src/events/stream-names.js';
import { createPool } from '../../src/infrastructure/database/create-pool.js';
import { migrate } from '../../src/infrastructure/database/migrator.js';
import { MIGRATIONS } from '../../src/infrastructure/database/migrations/index.js';
import { PostgresEventStore } from '../../src/infrastructure/event-store/postgres/postgres.event-store.js';
import { systemClock } from '../../src/infrastructure/resilience/clock.js';
import { SimulatedExchange } from '../../src/market/simulated-exchange.js';
import { createTestDatabase, type TestDatabase } from '../support/test-database.js';
import { serveMarket } from './support/ipc-market.js';
import { TEST_MARKET, expectLogInvariants, readLog } from './support/saga-test-kit.js';

/**
 * The saga in a process of its own, SIGKILLed at random moments while it works through
 * orders (mid-step: between a command and its record, inside a market call) and
 * restarted each time. Every order must end in exactly one terminal state, and nothing
 * may be reserved, charged, refunded or settled twice. SAGA_CRASH_SEED=<n> repeats a run.
 */
const SEED = Number(process.env['SAGA_CRASH_SEED'] ?? randomInt(1, 2 ** 31));
console.log(`saga-crash seed ${SEED} (SAGA_CRASH_SEED=${SEED} to repeat)`);

const ACCOUNTS = 6;
const ORDERS_PER_ACCOUNT = 8;
const KILLS = 6;
const FINISH_TIMEOUT_MS = 40_000;
const REPO_ROOT = fileURLToPath(new URL('../../', import.meta.url));
const SAGA_SCRIPT = fileURLToPath(new URL('./support/saga-process.ts', import.meta.url));

function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 2 ** 32;
  };
}

let database: TestDatabase;
let pool: pg.Pool;
let store: PostgresEventStore;
let aggregates: AggregateStore;
const exchange = new SimulatedExchange(
  { ...TEST_MARKET.exchange, tickIntervalMs: 20, maxFillQuantity: 2n },
  systemClock,
);

beforeAll(async () => {
  database = await createTestDatabase();
  pool = createPool({ connectionString: database.url, max: 10 });
  await migrate(pool, MIGRATIONS);
  store = new PostgresEventStore(pool, { idleRecheckMs: 200 });
  aggregates = new AggregateStore(store, { streamCacheSize: 0 });
});
afterAll(async () => {
  await store?.close();
  await pool?.end();
  await database?.drop();
});

function context(): CommandContext {
  const id = randomUUID();
  return {
    commandId: id,
    correlationId: id,
    causationId: id,
    userId: 'crash-test',
    now: new Date().toISOString(),
  };
}

function startSagaProcess(): {
  child: ChildProcess;
  ready: Promise<void>;
  exited: Promise<unknown>;
} {
  const child = spawn(process.execPath, ['--import', 'tsx', SAGA_SCRIPT], {
    cwd: REPO_ROOT,
    env: {
      ...process.env,
      DATABASE_URL: database.url,
      LEDGER_SAGA_LEASE_MS: '1000',
      LEDGER_SAGA_POLL_MS: '20',
      LEDGER_SAGA_RETRY_BASE_MS: '20',
      LEDGER_SAGA_RETRY_MAX_MS: '200',
      LEDGER_SAGA_MAX_ATTEMPTS: '20',
    },
    stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
    serialization: 'advanced',
  });
  serveMarket(child, exchange);
  let stderr = '';
  child.stderr!.on('data', (chunk: Buffer) => {
    stderr = (stderr + chunk.toString()).slice(-4_000);
  });
  const exited = new Promise((resolve) => child.once('exit', resolve));
  const ready = new Promise<void>((resolve, reject) => {
    child.stdout!.on('data', (chunk: Buffer) => {
      if (chunk.toString().includes('"ready":true')) resolve();
    });
    void exited.then(() => reject(new Error(`saga process exited early: ${stderr}`)));
  });
  return { child, ready, exited };
}

describe('order placement saga killed at random points', () => {
  it('ends every order exactly once, with nothing charged, refunded, reserved or settled twice', async () => {
    const random = seededRandom(SEED);
    const accountIds: string[] = [];
    for (let i = 0; i < ACCOUNTS; i++) {
      const open: OpenAccountInput = { customerId: `c-${i}`, name: 'Main', currency: 'USD' };
      const { id } = await new OpenAccountHandler(aggregates).execute(
        new OpenAccountCommand(open, context()),
      );
      const deposit: MoveFundsInput = { accountId: id, amount: '20000.00', reference: 'funding' };
      await new MoveFundsHandler(aggregates).execute(
        new MoveFundsCommand('DepositFunds', deposit, context()),
      );
      accountIds.push(id);
    }
    const placer = new PlaceOrderHandler(aggregates);
    const place = (input: PlaceOrderInput): Promise<string> =>
      placer.execute(new PlaceOrderCommand(input, context())).then((result) => result.id);
    const orderIds: string[] = [];
    const placing = (async () => {
      for (let round = 0; round < ORDERS_PER_ACCOUNT; round++) {
        for (const accountId of accountIds) {
          const buy = round % 3 !== 2;
          const limit = random() < 0.3;
          orderIds.push(
            await place({
              accountId,
              side: buy ? OrderSideInput.BUY : OrderSideInput.SELL,
              type: limit ? OrderTypeInput.LIMIT : OrderTypeInput.MARKET,
              instrument: 'AAPL',
              quantity: String(1 + Math.floor(random() * 4)),
              limitPrice: limit ? (buy ? '150.00' : '250.00') : null,
              timeInForceSeconds: limit ? 1 : null,
            }),
          );
          if (random() < 0.15) {
            const orderId = orderIds[orderIds.length - 1]!;
            await new CancelOrderHandler(aggregates)
              .execute(new CancelOrderCommand({ orderId }, context()))
              .catch(() => undefined);
          }
        }
        await sleep(20);
      }
    })();

    for (let kill = 0; kill < KILLS; kill++) {
      const saga = startSagaProcess();
      await saga.ready;
      await sleep(100 + Math.floor(random() * 400));
      saga.child.kill('SIGKILL');
      await saga.exited;
    }
    await placing;
    const survivor = startSagaProcess();
    await survivor.ready;
    try {
      const deadline = Date.now() + FINISH_TIMEOUT_MS;
      for (;;) {
        const { rows } = await pool.query<{ open: string }>(
          "SELECT count(*)::text AS open FROM ledger_order_sagas WHERE status <> 'finished'",
        );
        const { rows: all } = await pool.query<{ n: string }>(
          'SELECT count(*)::text AS n FROM ledger_order_sagas',
        );
        if (rows[0]!.open === '0' && Number(all[0]!.n) === orderIds.length) break;
        if (Date.now() > deadline) throw new Error(`${rows[0]!.open} sagas still open`);
        await sleep(100);
      }
    } finally {
      survivor.child.kill('SIGTERM');
      await survivor.exited;
    }

    for (const orderId of orderIds) {
      const order = await aggregates.load(orderStream(orderId), orderDecider);
      expect(isTerminal(order.state), `order ${orderId} is ${order.state.status}`).toBe(true);
    }
    for (const accountId of accountIds) {
      const account = (await aggregates.load(accountStream(accountId), accountDecider)).state;
      expect(account.reservedMinor).toBe(0n);
      expect(availableMinor(account)).toBeGreaterThanOrEqual(0n);
      const holding = (await aggregates.load(holdingStream(accountId, 'AAPL'), holdingDecider))
        .state;
      expect(holding.reservedQuantity).toBe(0n);
      expect(availableQuantity(holding)).toBeGreaterThanOrEqual(0n);
    }
    await expectLogInvariants(store);
    // Holdings are the settled fills: every fill the orders recorded moved shares exactly once.
    const log = await readLog(store);
    const filled = log.filter(({ event }) => event.type === 'OrderFilled').length;
    const moved = log.filter(
      ({ event }) => event.type === 'SharesAcquired' || event.type === 'SharesDisposed',
    ).length;
    const paid = log.filter(({ event }) => event.type === 'TradeCashSettled').length;
    expect(moved).toBe(filled);
    expect(paid).toBe(filled);
  });
});
