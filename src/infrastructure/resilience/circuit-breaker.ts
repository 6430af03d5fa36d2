import { type Clock } from './clock.js';

export type CircuitState = 'CLOSED' | 'OPEN' | 'HALF_OPEN';

export interface CircuitBreakerOptions {
  /** Consecutive counted failures that open a closed circuit. */
  readonly failureThreshold: number;
  /** How long an open circuit refuses calls before it lets trial calls through. */
  readonly coolDownMs: number;
  /** Trial calls at once while half-open; more are refused as if open. */
  readonly halfOpenMaxCalls: number;
}

/** What a status query or a metric shows of one circuit. */
export interface CircuitSnapshot {
  readonly name: string;
  readonly state: CircuitState;
  readonly consecutiveFailures: number;
  /** When it opened (again); undefined while closed. */
  readonly openedAtMs: number | undefined;
  /** While open: how long until it lets trial calls through. */
  readonly retryAfterMs: number;
}

/** Anything with circuits to report: a status query collects these. */
export interface CircuitStatusSource {
  circuits(): readonly CircuitSnapshot[];
}

export class CircuitOpenError extends Error {
  override readonly name = 'CircuitOpenError';
  constructor(
    readonly circuit: string,
    readonly retryAfterMs: number,
  ) {
    super(
      retryAfterMs > 0
        ? `Circuit ${circuit} is open: calls are refused for another ${retryAfterMs} ms`
        : `Circuit ${circuit} is half-open and its trial calls are under way`,
    );
  }
}

function assertCircuitBreakerOptions(options: CircuitBreakerOptions): void {
  const { failureThreshold, coolDownMs, halfOpenMaxCalls } = options;
  if (!Number.isInteger(failureThreshold) || failureThreshold < 1) {
    throw new Error(`failureThreshold must be a whole number >= 1, got ${failureThreshold}`);
  }
  if (!Number.isInteger(coolDownMs) || coolDownMs < 0) {
    throw new Error(`coolDownMs must be a whole number >= 0, got ${coolDownMs}`);
  }
  if (!Number.isInteger(halfOpenMaxCalls) || halfOpenMaxCalls < 1) {
    throw new Error(`halfOpenMaxCalls must be a whole number >= 1, got ${halfOpenMaxCalls}`);
  }
}

/**
 * Stops calling a dependency that keeps failing, so that callers fail fast instead of
 * piling up on timeouts, and probes it again after a cool-down. Closed: calls pass and
 * consecutive failures are counted. Open: calls are refused with CircuitOpenError.
 * Half-open (the cool-down has passed): a bounded number of trial calls pass; one
 * success closes the circuit, one failure opens it again for another cool-down.
 */
export class CircuitBreaker {
  private consecutiveFailures = 0;
  private openedAtMs: number | undefined;
  private trialsInFlight = 0;

  constructor(
    readonly name: string,
    private readonly options: CircuitBreakerOptions,
    private readonly clock: Clock,
    /** Failures that say the dependency is unwell; others (a refusal, a bug) pass through uncounted. */
    private readonly countsAsFailure: (error: unknown) => boolean = () => true,
  ) {
    assertCircuitBreakerOptions(options);
  }

  get state(): CircuitState {
    if (this.openedAtMs === undefined) return 'CLOSED';
    return this.retryAfterMs() > 0 ? 'OPEN' : 'HALF_OPEN';
  }

  snapshot(): CircuitSnapshot {
    return {
      name: this.name,
      state: this.state,
      consecutiveFailures: this.consecutiveFailures,
      openedAtMs: this.openedAtMs,
      retryAfterMs: this.retryAfterMs(),
    };
  }

  async execute<T>(operation: () => Promise<T>): Promise<T> {
    const state = this.state;
    if (state === 'OPEN') throw new CircuitOpenError(this.name, this.retryAfterMs());
    const trial = state === 'HALF_OPEN';
    if (trial) {
      if (this.trialsInFlight >= this.options.halfOpenMaxCalls) {
        throw new CircuitOpenError(this.name, 0);
      }
      this.trialsInFlight++;
    }
    try {
      const result = await operation();
      this.recordSuccess();
      return result;
    } catch (error) {
      if (this.countsAsFailure(error)) this.recordFailure(trial);
      throw error;
    } finally {
      if (trial) this.trialsInFlight--;
    }
  }

  private retryAfterMs(): number {
    if (this.openedAtMs === undefined) return 0;
    return Math.max(0, this.openedAtMs + this.options.coolDownMs - this.clock.nowMs());
  }

  private recordSuccess(): void {
    this.consecutiveFailures = 0;
    this.openedAtMs = undefined;
  }

  private recordFailure(trial: boolean): void {
    this.consecutiveFailures++;
    // A call admitted while closed that fails after the circuit opened must not extend the cool-down.
    if (
      trial ||
      (this.openedAtMs === undefined && this.consecutiveFailures >= this.options.failureThreshold)
    ) {
      this.openedAtMs = this.clock.nowMs();
    }
  }
}
