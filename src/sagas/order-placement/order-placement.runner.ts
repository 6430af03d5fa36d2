import { randomUUID } from 'node:crypto';
import { type SagaConfig } from '../../config/saga-config.js';
import { orderDecider } from '../../domain/order.decider.js';
import { orderSagaStream, orderStream } from '../../events/stream-names.js';
import { type AggregateStore } from '../../commands/aggregate-store.js';
import { type BackoffPolicy, backoffDelayMs } from '../../infrastructure/resilience/backoff.js';
import { BackgroundLoop } from '../../infrastructure/resilience/background-loop.js';
import { withLogContext } from '../../infrastructure/logging/log-context.js';
import { type Clock } from '../../infrastructure/resilience/clock.js';
import { WakeSignal } from '../../event-store/wake-signal.js';
import { describeError } from '../../shared/error-logging.js';
import { type SagaState, nextAction, sagaDecider } from './order-placement.saga.js';
import { type OrderPlacementSteps } from './order-placement.steps.js';
import { type ClaimedSaga, type OrderSagasRepository } from './order-sagas.repository.js';

/** Actions one turn takes at most before it lets other orders have a go. */
const MAX_ACTIONS_PER_TURN = 64;
/** The scheduler looks at the table at least this often, whatever the wake-ups. */
const IDLE_RECHECK_MS = 1_000;
/**
 * After a claim that took nothing, the next comes no sooner than this (unless woken): a
 * saga that reads as due but cannot be claimed (its row locked by another worker's claim
 * in flight) must not turn the scheduler into a loop of claims until that one commits.
 */
const EMPTY_CLAIM_MIN_WAIT_MS = 5;
/** A turn renews its lease before an action only once less than this share of it is left. */
const RENEW_WHEN_LEFT = 0.5;
/**
 * A resting order's first look after a quiet one comes after this share of the poll
 * interval; each further quiet look doubles the wait, up to the interval: an order that
 * fills soon after it arrives is seen soon, one that rests costs no more than before.
 */
const FIRST_QUIET_POLL_SHARE = 1 / 8;

/** Measures each step a turn takes (see SagaStepMetrics); null is a step that waits. */
export interface SagaStepTimer {
  time<T>(step: string, work: () => Promise<T | null>): Promise<T | null>;
}

const UNTIMED: SagaStepTimer = { time: (_step, work) => work() };

/**
 * Runs the sagas' turns: claims due sagas (a lease in the table, so one worker at a time
 * has an order, and a crashed worker's orders are taken over when its lease runs out),
 * at most `concurrency` at once, and in each turn takes the order's next actions one after
 * another until it has to wait. A turn that fails is tried again with backoff; after
 * `maxAttempts` failed turns in a row the saga is parked for an admin.
 *
 * A turn reads the saga's stream once, when it starts: each step answers the state its
 * records left, and while the lease is held no one else records on the stream (were one
 * to, the next record's expected revision would catch it, and that record's answer would
 * be read afresh). The order's stream is read before every action that looks at the order
 * (all but settling a reported fill and ending a finished saga), so that a cancel that
 * came meanwhile interrupts the saga at once. The lease is renewed only once half of it
 * is gone, and a turn that finds it lost ends there: another worker has the saga.
 */
export class OrderPlacementRunner {
  /** Lease holder name: unique per runner, so that a restarted process never claims as its predecessor. */
  private readonly owner = `saga-runner:${randomUUID()}`;
  private readonly wake = new WakeSignal();
  private readonly running = new Map<string, Promise<void>>();
  private readonly retry: BackoffPolicy;
  private readonly loop: BackgroundLoop;

  constructor(
    private readonly aggregates: AggregateStore,
    private readonly sagas: OrderSagasRepository,
    private readonly steps: OrderPlacementSteps,
    private readonly config: SagaConfig,
    private readonly clock: Clock,
    private readonly log: (message: string) => void,
    private readonly stepTimer: SagaStepTimer = UNTIMED,
  ) {
    this.retry = {
      maxAttempts: config.maxAttempts,
      baseDelayMs: config.retryBaseDelayMs,
      maxDelayMs: config.retryMaxDelayMs,
    };
    this.loop = new BackgroundLoop(
      async (signal) => {
        await this.schedule(signal);
        return true;
      },
      (error) => this.log(`order saga scheduler: ${describeError(error)}`),
    );
  }

  /** New work may be due (the follower scheduled some, an admin released a parked saga). */
  notify(): void {
    this.wake.wake();
  }

  start(): void {
    this.loop.start();
  }

  /** Stops claiming and lets the turns under way end after their current action. */
  async stop(): Promise<void> {
    await this.loop.stop();
    await Promise.all(this.running.values());
  }

  /** One round: claims what is due while workers are free, then waits for a wake-up or the next due time. */
  private async schedule(signal: AbortSignal): Promise<void> {
    const seen = this.wake.current;
    const free = this.config.concurrency - this.running.size;
    let waitMs = IDLE_RECHECK_MS;
    if (free > 0) {
      // Taken before the claim is sent: the lease surely ends no earlier than this + leaseMs.
      const leasedAtMs = performance.now();
      const { claimed, nextDueInMs } = await this.sagas.claimDue(
        this.owner,
        free,
        this.config.leaseMs,
      );
      for (const saga of claimed) this.launch(saga, leasedAtMs, signal);
      if (this.running.size < this.config.concurrency) {
        waitMs = Math.min(nextDueInMs ?? IDLE_RECHECK_MS, IDLE_RECHECK_MS);
        if (claimed.length === 0) waitMs = Math.max(waitMs, EMPTY_CLAIM_MIN_WAIT_MS);
      }
    }
    // Woken by the follower, an admin, or a turn that ended (a free worker).
    await this.wake.wait(seen, waitMs, signal);
  }

  private launch(claimed: ClaimedSaga, leasedAtMs: number, signal: AbortSignal): void {
    const turn = this.turn(claimed, leasedAtMs, signal)
      .catch((error: unknown) => this.log(`order saga ${claimed.orderId}: ${describeError(error)}`))
      .finally(() => {
        this.running.delete(claimed.orderId);
        this.wake.wake();
      });
    this.running.set(claimed.orderId, turn);
  }

  private async turn(
    { orderId, failures, quietPolls }: ClaimedSaga,
    leasedAtMs: number,
    signal: AbortSignal,
  ): Promise<void> {
    let action = 'load';
    // The saga's lines carry the correlation id of the request that placed the order.
    let correlationId: string | undefined;
    const lease = { endsAtMs: leasedAtMs + this.config.leaseMs };
    try {
      let [{ state: saga }, { state: order }] = await Promise.all([
        this.aggregates.load(orderSagaStream(orderId), sagaDecider),
        this.aggregates.load(orderStream(orderId), orderDecider),
      ]);
      correlationId = saga.correlationId ?? undefined;
      for (let taken = 0; taken < MAX_ACTIONS_PER_TURN && !signal.aborted; taken++) {
        let next = nextAction(saga, order, this.clock.nowMs());
        if (taken > 0) {
          action = 'load';
          // Settling a fill the market reported, and ending a finished saga, are decided by
          // the saga's state alone: every other action looks at the order as it is now.
          const fresh = next.kind !== 'settle' && next.kind !== 'done';
          const [held, loaded] = await Promise.all([
            this.keepLease(orderId, lease),
            fresh ? this.aggregates.load(orderStream(orderId), orderDecider) : undefined,
          ]);
          if (!held) return;
          if (loaded) {
            order = loaded.state;
            next = nextAction(saga, order, this.clock.nowMs());
          }
        }
        action = next.kind;
        if (next.kind === 'done') return await this.sagas.finish(orderId, this.owner);
        const step = next;
        const after = await this.stepTimer.time(step.kind, () =>
          this.steps.perform(step, saga, order),
        );
        if (after === null) {
          return await this.sagas.reschedule(
            orderId,
            this.owner,
            this.restingMs(saga, quietPolls),
            quietPolls + 1,
          );
        }
        saga = after;
        correlationId = saga.correlationId ?? undefined;
        quietPolls = 0;
      }
      // More to do (or stopping): the saga stays due, for this runner or another.
      await this.sagas.reschedule(orderId, this.owner, 0);
    } catch (error) {
      const parked = await this.sagas.failed(orderId, this.owner, {
        action,
        error: describeError(error),
        retryInMs: backoffDelayMs(this.retry, failures + 1),
        maxFailures: this.config.maxAttempts,
      });
      withLogContext(correlationId, () =>
        this.log(
          `order saga ${orderId}: ${action} failed (${describeError(error)})${parked ? '; parked' : ''}`,
        ),
      );
    }
  }

  /**
   * Renews the lease when less than RENEW_WHEN_LEFT of it is left (most turns end long
   * before). False when this runner no longer holds it.
   */
  private async keepLease(orderId: string, lease: { endsAtMs: number }): Promise<boolean> {
    const { leaseMs } = this.config;
    const startedMs = performance.now();
    if (lease.endsAtMs - startedMs > leaseMs * RENEW_WHEN_LEFT) return true;
    if (!(await this.sagas.renew(orderId, this.owner, leaseMs))) {
      this.log(`order saga ${orderId}: lease lost to another worker; turn ended`);
      return false;
    }
    lease.endsAtMs = startedMs + leaseMs;
    return true;
  }

  /**
   * How long an order resting at the market waits for its next look: a short wait after
   * its first quiet look, doubling with each further one up to the poll interval, or
   * until its expiry if sooner.
   */
  private restingMs(saga: SagaState, quietPolls: number): number {
    const intervalMs = this.config.marketPollIntervalMs;
    const pollMs = Math.min(
      intervalMs,
      Math.max(1, Math.round(intervalMs * FIRST_QUIET_POLL_SHARE * 2 ** Math.min(quietPolls, 30))),
    );
    if (saga.expiresAt === null) return pollMs;
    const untilExpiryMs = Date.parse(saga.expiresAt) - this.clock.nowMs();
    return Math.max(0, Math.min(pollMs, untilExpiryMs));
  }
}
