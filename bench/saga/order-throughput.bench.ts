/**
 * Order placement saga throughput: orders per second from placeOrder to COMPLETED with
 * 16 concurrent clients, and the p50/p99 latency of each, on the embedded default with a
 * zero-latency market. The median of several runs. Usage: npm run bench:saga
 * (SAGA_BENCH_ORDERS, SAGA_BENCH_RUNS to change the size).
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
import { OrderSideInput, OrderTypeInput } from '../../src/commands/inputs/order.inputs.js';
import { PlaceOrderCommand } from '../../src/commands/orders/place-order.handler.js';
import { type CommandResult } from '../../src/commands/idempotency/command-result.js';
import { loadConfig } from '../../src/config/ledger-config.js';
import { DEFAULT_SAGA_CONFIG } from '../../src/config/saga-config.js';
import { isTerminal, orderDecider } from '../../src/domain/order.decider.js';
import { orderStream } from '../../src/events/stream-names.js';
import { DEFAULT_MARKET_CONFIG } from '../../src/market/market.config.js';
import { writeResults } from '../bench-results.js';

const CLIENTS = 16;
const ORDERS = Number(process.env['SAGA_BENCH_ORDERS'] ?? 800);
const RUNS = Number(process.env['SAGA_BENCH_RUNS'] ?? 3);
const COMPLETION_POLL_MS = 2;
const ORDER_TIMEOUT_MS = 60_000;

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
          for (;;) {
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
    `command: npm run bench:saga (SAGA_BENCH_ORDERS=${ORDERS} SAGA_BENCH_RUNS=${RUNS}), ${CLIENTS} clients`,
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
    runs,
    median,
  });
}

await main();
