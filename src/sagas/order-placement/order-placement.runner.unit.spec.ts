import { setTimeout as sleep } from 'node:timers/promises';
import { afterEach, describe, expect, it } from 'vitest';
import { type AggregateStore } from '../../commands/aggregate-store.js';
import { DEFAULT_SAGA_CONFIG } from '../../config/saga-config.js';
import { initialOrderState } from '../../domain/order.decider.js';
import { logContextFields } from '../../infrastructure/logging/log-context.js';
import { systemClock } from '../../infrastructure/resilience/clock.js';
import { OrderPlacementRunner } from './order-placement.runner.js';
import { initialSagaState } from './order-placement.saga.js';
import { type OrderPlacementSteps } from './order-placement.steps.js';
import { type Claim, type OrderSagasRepository } from './order-sagas.repository.js';

/** A saga table that never has anything to claim, and answers `nextDueInMs` about the rest. */
function emptyTable(nextDueInMs: number | undefined): {
  sagas: OrderSagasRepository;
  claims: () => number;
} {
  let claims = 0;
  const table = {
    claimDue: async (): Promise<Claim> => {
      claims++;
      return { claimed: [], nextDueInMs };
    },
  };
  return {
    // Only claimDue is reached: no saga is ever claimed, so no turn runs.
    sagas: table as unknown as OrderSagasRepository,
    claims: () => claims,
  };
}

let runner: OrderPlacementRunner | undefined;
afterEach(async () => {
  await runner?.stop();
  runner = undefined;
});

function startRunner(sagas: OrderSagasRepository): OrderPlacementRunner {
  runner = new OrderPlacementRunner(
    // Never reached without a claimed saga (see emptyTable).
    {} as AggregateStore,
    sagas,
    {} as OrderPlacementSteps,
    DEFAULT_SAGA_CONFIG,
    systemClock,
    () => undefined,
  );
  runner.start();
  return runner;
}

describe('order placement runner: an idle scheduler waits', () => {
  it('claims once and then waits for a wake-up while no saga is active', async () => {
    const table = emptyTable(undefined);
    startRunner(table.sagas);
    await sleep(300);
    expect(table.claims()).toBe(1);
  });

  it('claims again at once when woken', async () => {
    const table = emptyTable(undefined);
    const started = startRunner(table.sagas);
    await expect.poll(() => table.claims()).toBe(1);
    started.notify();
    await expect.poll(() => table.claims(), { timeout: 500 }).toBe(2);
  });

  // A saga that reads as due but cannot be claimed (another worker's claim holds its row)
  // once made the scheduler claim as fast as the database answered.
  it('spaces claims that take nothing even when a saga reads as due now', async () => {
    const table = emptyTable(0);
    startRunner(table.sagas);
    await sleep(250);
    // At least 5 ms apart: at most about 50 in 250 ms.
    expect(table.claims()).toBeGreaterThan(1);
    expect(table.claims()).toBeLessThanOrEqual(55);
  });
});

describe('order placement runner: its log lines', () => {
  it('carry the correlation id of the request that placed the order when a turn fails', async () => {
    let claimed = false;
    const sagas = {
      claimDue: async (): Promise<Claim> => {
        if (claimed) return { claimed: [], nextDueInMs: undefined };
        claimed = true;
        return {
          claimed: [{ orderId: 'o-1', failures: 0, quietPolls: 0 }],
          nextDueInMs: undefined,
        };
      },
      failed: async () => false,
    } as unknown as OrderSagasRepository;
    const saga = {
      ...initialSagaState,
      orderId: 'o-1',
      phase: 'STARTED',
      correlationId: 'corr-o-1',
    };
    const aggregates = {
      load: async (streamId: string) => ({
        state: streamId.startsWith('order-saga-') ? saga : initialOrderState,
      }),
    } as unknown as AggregateStore;
    const steps = {
      perform: async () => {
        throw new Error('the store is away');
      },
    } as unknown as OrderPlacementSteps;
    const lines: { message: string; correlationId?: string }[] = [];
    runner = new OrderPlacementRunner(
      aggregates,
      sagas,
      steps,
      DEFAULT_SAGA_CONFIG,
      systemClock,
      (message) => lines.push({ message, ...logContextFields() }),
    );
    runner.start();
    await expect.poll(() => lines.length).toBe(1);
    expect(lines[0]).toEqual({
      message: 'order saga o-1: reserve failed (Error: the store is away)',
      correlationId: 'corr-o-1',
    });
  });
});
