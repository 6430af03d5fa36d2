import { randomUUID } from 'node:crypto';
import { type SagaConfig } from '../../config/saga-config.js';
import { orderDecider } from '../../domain/order.decider.js';
import { orderSagaStream, orderStream } from '../../events/stream-names.js';
import { type AggregateStore } from '../../commands/aggregate-store.js';
import {
  type BackoffPolicy,
  backoffDelayMs,
  pause,
} from '../../infrastructure/resilience/backoff.js';
import { type Clock } from '../../infrastructure/resilience/clock.js';
import { WakeSignal } from '../../infrastructure/event-store/wake-signal.js';
import { type SagaState, nextAction } from './order-placement.saga.js';
import { type OrderPlacementSteps, sagaDecider } from './order-placement.steps.js';
import { type ClaimedSaga, type OrderSagasRepository } from './order-sagas.repository.js';

/** Actions one turn takes at most before it lets other orders have a go. */
const MAX_ACTIONS_PER_TURN = 64;
/** The scheduler looks at the table at least this often, whatever the wake-ups. */
const IDLE_RECHECK_MS = 1_000;
const RESTART_BACKOFF: BackoffPolicy = {
  maxAttempts: Infinity,
  baseDelayMs: 200,
  maxDelayMs: 10_000,
};

function describe(error: unknown): string {
  return error instanceof Error ? `${error.name}: ${error.message}` : String(error);
}

/**
 * Runs the sagas' turns: claims due sagas (a lease in the table, so one worker at a time
 * has an order, and a crashed worker's orders are taken over when its lease runs out),
 * at most `concurrency` at once, and in each turn takes the order's next actions one after
 * another until it has to wait. A turn that fails is tried again with backoff; after
 * `maxAttempts` failed turns in a row the saga is parked for an admin.
 */
export class OrderPlacementRunner {
  /** Lease holder name: unique per runner, so that a restarted process never claims as its predecessor. */
  private readonly owner = `saga-runner:${randomUUID()}`;
  private readonly wake = new WakeSignal();
  private readonly running = new Map<string, Promise<void>>();
  private readonly retry: BackoffPolicy;
  private abort = new AbortController();
  private loop: Promise<void> | undefined;

  constructor(
    private readonly aggregates: AggregateStore,
    private readonly sagas: OrderSagasRepository,
    private readonly steps: OrderPlacementSteps,
    private readonly config: SagaConfig,
    private readonly clock: Clock,
    private readonly log: (message: string) => void,
  ) {
    this.retry = {
      maxAttempts: config.maxAttempts,
      baseDelayMs: config.retryBaseDelayMs,
      maxDelayMs: config.retryMaxDelayMs,
    };
  }

  /** New work may be due (the follower scheduled some, an admin released a parked saga). */
  notify(): void {
    this.wake.wake();
  }

  start(): void {
    if (this.loop) return;
    this.abort = new AbortController();
    this.loop = this.run(this.abort.signal).finally(() => {
      this.loop = undefined;
    });
  }

  /** Stops claiming and lets the turns under way end after their current action. */
  async stop(): Promise<void> {
    this.abort.abort();
    await this.loop;
    await Promise.all(this.running.values());
  }

  private async run(signal: AbortSignal): Promise<void> {
    for (let failures = 0; !signal.aborted;) {
      const seen = this.wake.current;
      try {
        const free = this.config.concurrency - this.running.size;
        if (free > 0) {
          for (const claimed of await this.sagas.claimDue(this.owner, free, this.config.leaseMs)) {
            this.launch(claimed, signal);
          }
        }
        const dueInMs =
          this.running.size >= this.config.concurrency ? undefined : await this.sagas.nextDueInMs();
        failures = 0;
        await this.wake.wait(seen, Math.min(dueInMs ?? IDLE_RECHECK_MS, IDLE_RECHECK_MS), signal);
      } catch (error) {
        failures++;
        this.log(`order saga scheduler: ${describe(error)}`);
        await pause(backoffDelayMs(RESTART_BACKOFF, Math.min(failures, 10)), signal);
      }
    }
  }

  private launch(claimed: ClaimedSaga, signal: AbortSignal): void {
    const turn = this.turn(claimed, signal)
      .catch((error: unknown) => this.log(`order saga ${claimed.orderId}: ${describe(error)}`))
      .finally(() => {
        this.running.delete(claimed.orderId);
        this.wake.wake();
      });
    this.running.set(claimed.orderId, turn);
  }

  private async turn({ orderId, failures }: ClaimedSaga, signal: AbortSignal): Promise<void> {
    let action = 'load';
    try {
      for (let taken = 0; taken < MAX_ACTIONS_PER_TURN && !signal.aborted; taken++) {
        const saga = (await this.aggregates.load(orderSagaStream(orderId), sagaDecider)).state;
        const order = (await this.aggregates.load(orderStream(orderId), orderDecider)).state;
        const next = nextAction(saga, order, this.clock.nowMs());
        action = next.kind;
        if (next.kind === 'done') return await this.sagas.finish(orderId, this.owner);
        if (!(await this.steps.perform(next, saga, order))) {
          return await this.sagas.reschedule(orderId, this.owner, this.restingMs(saga));
        }
        await this.sagas.renew(orderId, this.owner, this.config.leaseMs);
      }
      // More to do (or stopping): the saga stays due, for this runner or another.
      await this.sagas.reschedule(orderId, this.owner, 0);
    } catch (error) {
      const parked = await this.sagas.failed(orderId, this.owner, {
        action,
        error: describe(error),
        retryInMs: backoffDelayMs(this.retry, failures + 1),
        maxFailures: this.config.maxAttempts,
      });
      this.log(
        `order saga ${orderId}: ${action} failed (${describe(error)})${parked ? '; parked' : ''}`,
      );
    }
  }

  /** How long an order resting at the market waits for its next look: the poll interval, or its expiry if sooner. */
  private restingMs(saga: SagaState): number {
    const pollMs = this.config.marketPollIntervalMs;
    if (saga.expiresAt === null) return pollMs;
    const untilExpiryMs = Date.parse(saga.expiresAt) - this.clock.nowMs();
    return Math.max(0, Math.min(pollMs, untilExpiryMs));
  }
}
