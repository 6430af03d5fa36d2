/**
 * Order placement saga throughput: orders per second from placeOrder to COMPLETED with
 * 16 concurrent clients, and the p50/p99 latency of each, on the embedded default with a
 * zero-latency market. The median of several runs. Usage: npm run bench:saga
 * (SAGA_BENCH_ORDERS, SAGA_BENCH_RUNS to change the size).
 *
 * How a client learns its order ended (SAGA_BENCH_COMPLETION): `log` (the default) is one
 * subscription to the log's terminal order events for all the clients, as a read model
 * would see them; `poll` reads each order's stream every COMPLETION_POLL_MS per client.
 * `poll` is 16 clients each sending the database a read every few milliseconds: on a
 * small machine that load, not the saga, sets much of the figure.
 */
import { randomUUID } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { createApp } from '../../src/app.factory.js';
import { CommandBus } from '@nestjs/cqrs';
import { AggregateStore } from '../../src/commands/aggregate-store.js';
import { type CommandContext } from '../../src/commands/command-context.js';
import { MoveFundsCommand } from '../../src/commands/accounts/move-funds.handler.js';
import { OpenAccountCommand } from '../../src/commands/accounts/open-account.handler.js';
import { OrderSideInput, OrderTypeInput } from '../../src/shared/order-enums.js';
import { PlaceOrderCommand } from '../../src/commands/orders/place-order.handler.js';
import { type CommandResult } from '../../src/commands/idempotency/command-result.js';
import { loadConfig } from '../../src/config/ledger-config.js';
import { DEFAULT_SAGA_CONFIG } from '../../src/config/saga-config.js';
import { isTerminal, orderDecider } from '../../src/domain/order.decider.js';
import { type DomainEventType, storedTypeName } from '../../src/events/event-catalog.js';
import { orderStream } from '../../src/events/stream-names.js';
import {
  EVENT_STORE,
  type EventStore,
  type LogSubscription,
} from '../../src/event-store/event-store.port.js';
import { DEFAULT_MARKET_CONFIG } from '../../src/market/market.config.js';
import { writeResults } from '../bench-results.js';

const CLIENTS = 16;
const ORDERS = Number(process.env['SAGA_BENCH_ORDERS'] ?? 800);
const RUNS = Number(process.env['SAGA_BENCH_RUNS'] ?? 3);
const COMPLETION = process.env['SAGA_BENCH_COMPLETION'] ?? 'log';
if (COMPLETION !== 'log' && COMPLETION !== 'poll') {
  throw new Error(`SAGA_BENCH_COMPLETION must be log or poll, got ${COMPLETION}`);
}
const COMPLETION_POLL_MS = 2;
const ORDER_TIMEOUT_MS = 60_000;

/** An order's terminal event type (stored name) and the status it ends in. */
const TERMINAL_EVENTS = new Map<string, string>(
  (
    [
      ['OrderCompleted', 'COMPLETED'],
      ['OrderRejected', 'REJECTED'],
      ['OrderFailed', 'FAILED'],
      ['OrderCancelled', 'CANCELLED'],
      ['OrderExpired', 'EXPIRED'],
    ] as const satisfies readonly (readonly [DomainEventType, string])[]
  ).map(([type, status]) => [storedTypeName(type), status]),
);

/** Every client's orders' ends, from one subscription to the log's terminal order events. */
class Completions {
  private readonly ended = new Map<string, string>();
  private readonly waiters = new Map<string, (status: string) => void>();
  private subscription: LogSubscription | undefined;
  private following: Promise<void> | undefined;

  async start(store: EventStore): Promise<void> {
    const subscription = store.subscribeToAll({
      after: await store.headPosition(),
      filter: { eventTypes: [...TERMINAL_EVENTS.keys()] },
    });
    this.subscription = subscription;
    this.following = (async () => {
      for await (const event of subscription) {
        const orderId = event.data['orderId'];
        if (typeof orderId !== 'string') continue;
        const status = TERMINAL_EVENTS.get(event.type)!;
        const waiter = this.waiters.get(orderId);
        if (waiter) waiter(status);
        else this.ended.set(orderId, status);
      }
    })();
  }

  async stop(): Promise<void> {
    await this.subscription?.close();
    await this.following;
  }

  /** The order's terminal status, once its terminal event is in the log. */
  async wait(orderId: string): Promise<string> {
    const status = this.ended.get(orderId);
    if (status !== undefined) {
      this.ended.delete(orderId);
      return status;
    }
    let timer: NodeJS.Timeout | undefined;
    try {
      return await new Promise<string>((resolve, reject) => {
        this.waiters.set(orderId, resolve);
        timer = setTimeout(() => reject(new Error(`order ${orderId} timed out`)), ORDER_TIMEOUT_MS);
      });
    } finally {
      clearTimeout(timer);
      this.waiters.delete(orderId);
    }
  }
}

function context(): CommandContext {
  const id = randomUUID();
  return {
    commandId: id,
    correlationId: id,
    causationId: id,
    userId: 'bench',
    now: new Date().toISOString(),
  };
}

function percentile(sorted: readonly number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}

async function run(): Promise<{ ordersPerSecond: number; p50Ms: number; p99Ms: number }> {
  const dataDir = await mkdtemp(join(tmpdir(), 'ledger-saga-bench-'));
  const app = await createApp(
    {
      ...loadConfig({}),
      dataDir,
      projectionsEnabled: false,
      sagas: { ...DEFAULT_SAGA_CONFIG, concurrency: 32 },
    },
    {
      logger: false,
      market: {
        ...DEFAULT_MARKET_CONFIG,
        exchange: { ...DEFAULT_MARKET_CONFIG.exchange, latencyMs: 0, latencyJitterMs: 0 },
      },
    },
  );
  await app.init();
  try {
    const bus = app.get(CommandBus);
    const aggregates = app.get(AggregateStore);
    const completions = new Completions();
    if (COMPLETION === 'log') await completions.start(app.get<EventStore>(EVENT_STORE));
    const execute = (command: object): Promise<CommandResult> =>
      bus.execute<object, CommandResult>(command);
    const latencies: number[] = [];
    const started = performance.now();
    let next = 0;
    await Promise.all(
      Array.from({ length: CLIENTS }, async (_, client) => {
        const { id: accountId } = await execute(
          new OpenAccountCommand(
            { customerId: `bench-${client}`, name: 'Bench', currency: 'USD' },
            context(),
          ),
        );
        await execute(
          new MoveFundsCommand(
            'DepositFunds',
            { accountId, amount: '100000000.00', reference: 'bench' },
            context(),
          ),
        );
        while (next < ORDERS) {
          next++;
          const placedAt = performance.now();
          const { id: orderId } = await execute(
            new PlaceOrderCommand(
              {
                accountId,
                side: OrderSideInput.BUY,
                type: OrderTypeInput.MARKET,
                instrument: 'AAPL',
                quantity: '1',
              },
              context(),
            ),
          );
          if (COMPLETION === 'log') {
            const status = await completions.wait(orderId);
            if (status !== 'COMPLETED') throw new Error(`order ${orderId} ended ${status}`);
          }
          while (COMPLETION === 'poll') {
            const { state } = await aggregates.load(orderStream(orderId), orderDecider);
            if (isTerminal(state)) {
              if (state.status !== 'COMPLETED')
                throw new Error(`order ${orderId} ended ${state.status}`);
              break;
            }
            if (performance.now() - placedAt > ORDER_TIMEOUT_MS)
              throw new Error(`order ${orderId} timed out`);
            await sleep(COMPLETION_POLL_MS);
          }
          latencies.push(performance.now() - placedAt);
        }
      }),
    );
    const seconds = (performance.now() - started) / 1000;
    await completions.stop();
    latencies.sort((a, b) => a - b);
    return {
      ordersPerSecond: ORDERS / seconds,
      p50Ms: percentile(latencies, 50),
      p99Ms: percentile(latencies, 99),
    };
  } finally {
    await app.close();
    await rm(dataDir, { recursive: true, force: true });
  }
}

async function main(): Promise<void> {
  console.log(
    `command: npm run bench:saga (SAGA_BENCH_ORDERS=${ORDERS} SAGA_BENCH_RUNS=${RUNS} SAGA_BENCH_COMPLETION=${COMPLETION}), ${CLIENTS} clients`,
  );
  const runs = [];
  for (let i = 0; i < RUNS; i++) {
    const result = await run();
    console.log(
      `run ${i + 1}: ${result.ordersPerSecond.toFixed(1)} orders/s, p50 ${result.p50Ms.toFixed(1)} ms, p99 ${result.p99Ms.toFixed(1)} ms`,
    );
    runs.push(result);
  }
  const median = [...runs].sort((a, b) => a.ordersPerSecond - b.ordersPerSecond)[
    Math.floor(runs.length / 2)
  ]!;
  console.log(
    `median: ${median.ordersPerSecond.toFixed(1)} orders/s placeOrder->COMPLETED, p50 ${median.p50Ms.toFixed(1)} ms, p99 ${median.p99Ms.toFixed(1)} ms`,
  );
  await writeResults('bench/results/saga-order-throughput.json', {
    clients: CLIENTS,
    orders: ORDERS,
    completion: COMPLETION,
    runs,
    median,
  });
}

await main();
