import { type BackoffPolicy } from '../infrastructure/resilience/backoff.js';
import {
  type CircuitBreakerOptions,
  CircuitBreaker,
  CircuitOpenError,
  type CircuitSnapshot,
  type CircuitStatusSource,
} from '../infrastructure/resilience/circuit-breaker.js';
import { type Clock } from '../infrastructure/resilience/clock.js';
import { DeadlineExceededError, withDeadline } from '../infrastructure/resilience/deadline.js';
import { retry } from '../infrastructure/resilience/retry.js';
import {
  type CancelOutcome,
  type FillPage,
  type InstrumentQuote,
  type MarketGateway,
  type MarketOrder,
  type MarketOrderRequest,
  MarketUnavailableError,
  type SubmitOutcome,
} from './market-gateway.port.js';

export interface MarketResilienceConfig {
  /** Attempts per call (the first included) and the jittered exponential waits between them. */
  readonly retry: BackoffPolicy;
  /** How long one attempt may take before it counts as failed. */
  readonly attemptTimeoutMs: number;
  /** How long a call may take, all attempts and waits included. */
  readonly callDeadlineMs: number;
  readonly breaker: CircuitBreakerOptions;
}

export const DEFAULT_MARKET_RESILIENCE_CONFIG: MarketResilienceConfig = {
  retry: { maxAttempts: 4, baseDelayMs: 50, maxDelayMs: 1_000 },
  attemptTimeoutMs: 2_000,
  callDeadlineMs: 5_000,
  breaker: { failureThreshold: 5, coolDownMs: 10_000, halfOpenMaxCalls: 1 },
};

/** Upper bounds that keep a misconfiguration from turning into a hang. */
const MAX_ATTEMPTS = 20;
const MAX_CALL_DEADLINE_MS = 300_000;

function assertMarketResilienceConfig(config: MarketResilienceConfig): void {
  const { maxAttempts, baseDelayMs, maxDelayMs } = config.retry;
  if (!Number.isInteger(maxAttempts) || maxAttempts < 1 || maxAttempts > MAX_ATTEMPTS) {
    throw new Error(`retry.maxAttempts must be a whole number from 1 to ${MAX_ATTEMPTS}`);
  }
  if (!(baseDelayMs >= 0 && maxDelayMs >= baseDelayMs)) {
    throw new Error('retry delays must satisfy 0 <= baseDelayMs <= maxDelayMs');
  }
  const { attemptTimeoutMs, callDeadlineMs } = config;
  if (!(attemptTimeoutMs >= 1 && callDeadlineMs >= attemptTimeoutMs)) {
    throw new Error('timeouts must satisfy 1 <= attemptTimeoutMs <= callDeadlineMs');
  }
  if (callDeadlineMs > MAX_CALL_DEADLINE_MS) {
    throw new Error(`callDeadlineMs must be at most ${MAX_CALL_DEADLINE_MS}`);
  }
}

/** Worth another try, and a sign the market is unwell: not an answer, not a bug. */
function isTransient(error: unknown): boolean {
  return error instanceof MarketUnavailableError || error instanceof DeadlineExceededError;
}

/** Measures each call to the market as a whole (see MarketCallMetrics). */
export interface MarketCallTimer {
  time<T>(operation: string, call: () => Promise<T>): Promise<T>;
}

const UNTIMED: MarketCallTimer = { time: (_operation, call) => call() };

/**
 * The market gateway behind a circuit breaker, with retries and deadlines. Each attempt
 * passes the breaker and has attemptTimeoutMs; transient failures and timeouts are tried
 * again with jittered exponential backoff while attempts and callDeadlineMs last, and
 * count towards opening the circuit. A business answer (a rejected order, a cancel that
 * came too late) is a success here: it is returned as is, never retried, never counted.
 * Retrying is safe because every operation of the port is idempotent.
 */
export class ResilientMarketGateway implements MarketGateway, CircuitStatusSource {
  private readonly breaker: CircuitBreaker;

  constructor(
    private readonly inner: MarketGateway,
    private readonly config: MarketResilienceConfig,
    private readonly clock: Clock,
    /** Jitter source: Math.random spreads the retries of separate processes apart. */
    private readonly random: () => number = Math.random,
    private readonly timer: MarketCallTimer = UNTIMED,
  ) {
    assertMarketResilienceConfig(config);
    this.breaker = new CircuitBreaker('market', config.breaker, clock, isTransient);
  }

  circuits(): readonly CircuitSnapshot[] {
    return [this.breaker.snapshot()];
  }

  submitOrder(request: MarketOrderRequest): Promise<SubmitOutcome> {
    return this.guarded('submitOrder', () => this.inner.submitOrder(request));
  }

  pollFills(orderId: string, after?: number): Promise<FillPage | undefined> {
    return this.guarded('pollFills', () => this.inner.pollFills(orderId, after));
  }

  cancelOrder(orderId: string): Promise<CancelOutcome> {
    return this.guarded('cancelOrder', () => this.inner.cancelOrder(orderId));
  }

  getOrder(orderId: string): Promise<MarketOrder | undefined> {
    return this.guarded('getOrder', () => this.inner.getOrder(orderId));
  }

  listInstruments(): Promise<readonly InstrumentQuote[]> {
    return this.guarded('listInstruments', () => this.inner.listInstruments());
  }

  getInstrument(symbol: string): Promise<InstrumentQuote | undefined> {
    return this.guarded('getInstrument', () => this.inner.getInstrument(symbol));
  }

  private guarded<T>(operation: string, call: () => Promise<T>): Promise<T> {
    return this.timer.time(operation, () => this.withRetries(operation, call));
  }

  private async withRetries<T>(operation: string, call: () => Promise<T>): Promise<T> {
    const deadlineAtMs = this.clock.nowMs() + this.config.callDeadlineMs;
    let attempts = 0;
    try {
      return await retry(
        () => {
          attempts++;
          return this.breaker.execute(() => {
            const timeoutMs = Math.min(
              this.config.attemptTimeoutMs,
              deadlineAtMs - this.clock.nowMs(),
            );
            return withDeadline(call, timeoutMs, this.clock);
          });
        },
        {
          backoff: this.config.retry,
          isRetryable: isTransient,
          clock: this.clock,
          random: this.random,
          deadlineAtMs,
        },
      );
    } catch (error) {
      throw unavailable(`market ${operation}`, attempts, error);
    }
  }
}

/** The caller sees one error type for "no answer"; anything else (a bug) passes unchanged. */
function unavailable(operation: string, attempts: number, error: unknown): unknown {
  const tries = `${attempts} attempt${attempts === 1 ? '' : 's'}`;
  if (error instanceof CircuitOpenError) {
    return new MarketUnavailableError('CIRCUIT_OPEN', `${operation}: ${error.message}`, {
      cause: error,
    });
  }
  if (error instanceof DeadlineExceededError) {
    return new MarketUnavailableError('TIMEOUT', `${operation} timed out after ${tries}`, {
      cause: error,
    });
  }
  if (error instanceof MarketUnavailableError) {
    return new MarketUnavailableError(error.kind, `${operation} failed after ${tries}`, {
      cause: error,
    });
  }
  return error;
}
