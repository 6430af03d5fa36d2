import { describe, expect, it } from 'vitest';
import { ManualClock } from '../../test/support/manual-clock.js';
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
import {
  DEFAULT_MARKET_RESILIENCE_CONFIG,
  type MarketResilienceConfig,
  ResilientMarketGateway,
} from './resilient-market-gateway.js';
import { DEFAULT_SIMULATED_EXCHANGE_CONFIG } from './simulated-exchange.config.js';
import { SimulatedExchange } from './simulated-exchange.js';

const START_MS = Date.parse('2024-03-01T10:00:00.000Z');

/** What the next calls to the inner gateway do instead of answering at once. */
type Fault =
  | { readonly kind: 'fail' }
  | { readonly kind: 'hang' }
  | { readonly kind: 'bug' }
  /** Reaches the market, then the answer takes this long. */
  | { readonly kind: 'slow'; readonly delayMs: number };

/** A simulated exchange behind a wire that misbehaves on request. */
class FaultyWire implements MarketGateway {
  calls = 0;
  private readonly faults: Fault[] = [];

  constructor(
    readonly exchange: SimulatedExchange,
    private readonly clock: ManualClock,
  ) {}

  inject(count: number, fault: Fault): void {
    for (let i = 0; i < count; i++) this.faults.push(fault);
  }

  submitOrder(request: MarketOrderRequest): Promise<SubmitOutcome> {
    return this.through(() => this.exchange.submitOrder(request));
  }
  pollFills(orderId: string, after?: number): Promise<FillPage | undefined> {
    return this.through(() => this.exchange.pollFills(orderId, after));
  }
  cancelOrder(orderId: string): Promise<CancelOutcome> {
    return this.through(() => this.exchange.cancelOrder(orderId));
  }
  getOrder(orderId: string): Promise<MarketOrder | undefined> {
    return this.through(() => this.exchange.getOrder(orderId));
  }
  listInstruments(): Promise<readonly InstrumentQuote[]> {
    return this.through(() => this.exchange.listInstruments());
  }
  getInstrument(symbol: string): Promise<InstrumentQuote | undefined> {
    return this.through(() => this.exchange.getInstrument(symbol));
  }

  private async through<T>(call: () => Promise<T>): Promise<T> {
    this.calls++;
    const fault = this.faults.shift();
    if (fault?.kind === 'fail') throw new MarketUnavailableError('FAILURE', `call ${this.calls}`);
    if (fault?.kind === 'bug') throw new TypeError('a bug');
    if (fault?.kind === 'hang') return new Promise<never>(() => undefined);
    const answer = await call();
    if (fault?.kind === 'slow') await this.clock.sleep(fault.delayMs);
    return answer;
  }
}

const CONFIG: MarketResilienceConfig = {
  retry: { maxAttempts: 3, baseDelayMs: 100, maxDelayMs: 1_000 },
  attemptTimeoutMs: 200,
  callDeadlineMs: 2_000,
  breaker: { failureThreshold: 5, coolDownMs: 10_000, halfOpenMaxCalls: 1 },
};

function gateway(config: MarketResilienceConfig = CONFIG) {
  const clock = new ManualClock(START_MS);
  const exchange = new SimulatedExchange(
    { ...DEFAULT_SIMULATED_EXCHANGE_CONFIG, latencyMs: 0, latencyJitterMs: 0 },
    clock,
  );
  const wire = new FaultyWire(exchange, clock);
  // Jitter at its middle: each wait is half its ceiling.
  const resilient = new ResilientMarketGateway(wire, config, clock, () => 0.5);
  return { clock, exchange, wire, resilient };
}

function request(overrides: Partial<MarketOrderRequest> = {}): MarketOrderRequest {
  return {
    orderId: 'o-1',
    accountId: 'a-1',
    instrument: 'AAPL',
    side: 'BUY',
    orderType: 'MARKET',
    quantity: 10n,
    limitPriceMinor: null,
    expiresAt: null,
    ...overrides,
  };
}

/** Runs the call while time passes, and says how it ended and when. */
async function settle<T>(
  clock: ManualClock,
  call: Promise<T>,
  advanceMs = 60_000,
): Promise<{ value?: T; error?: unknown; atMs: number }> {
  let outcome: { value?: T; error?: unknown; atMs: number } | undefined;
  void call.then(
    (value) => (outcome = { value, atMs: clock.nowMs() - START_MS }),
    (error: unknown) => (outcome = { error, atMs: clock.nowMs() - START_MS }),
  );
  await clock.advance(advanceMs);
  if (outcome === undefined) throw new Error(`still pending after ${advanceMs} ms`);
  return outcome;
}

function unavailable(error: unknown): MarketUnavailableError {
  expect(error).toBeInstanceOf(MarketUnavailableError);
  return error as MarketUnavailableError;
}

describe('ResilientMarketGateway', () => {
  it('passes answers through from a healthy market', async () => {
    const { resilient, wire } = gateway();
    const outcome = await resilient.submitOrder(request());
    expect(outcome).toMatchObject({ kind: 'accepted', order: { status: 'FILLED' } });
    expect(await resilient.getOrder('o-1')).toMatchObject({ orderId: 'o-1' });
    expect(await resilient.pollFills('o-1')).toMatchObject({ nextCursor: 1 });
    expect(await resilient.cancelOrder('o-1')).toMatchObject({ kind: 'already-closed' });
    expect(await resilient.listInstruments()).toHaveLength(10);
    expect(await resilient.getInstrument('AAPL')).toMatchObject({ symbol: 'AAPL' });
    expect(wire.calls).toBe(6);
    expect(resilient.circuits()).toEqual([
      {
        name: 'market',
        state: 'CLOSED',
        consecutiveFailures: 0,
        openedAtMs: undefined,
        retryAfterMs: 0,
      },
    ]);
  });

  it('returns a business rejection as is: not retried, not counted against the market', async () => {
    const { resilient, exchange, wire } = gateway();
    await exchange.setHalted('AAPL', true);
    for (let i = 0; i < 20; i++) {
      expect(await resilient.submitOrder(request({ orderId: `o-${i}` }))).toMatchObject({
        kind: 'rejected',
        code: 'INSTRUMENT_HALTED',
      });
    }
    expect(wire.calls).toBe(20);
    expect(resilient.circuits()[0]).toMatchObject({ state: 'CLOSED', consecutiveFailures: 0 });
  });

  it('retries transient failures with backoff and answers with the first success', async () => {
    const { clock, resilient, wire } = gateway();
    wire.inject(2, { kind: 'fail' });
    const { value, atMs } = await settle(clock, resilient.getInstrument('AAPL'));
    expect(value).toMatchObject({ symbol: 'AAPL' });
    expect(wire.calls).toBe(3);
    // Half of 100, then half of 200.
    expect(atMs).toBe(150);
  });

  it('gives up after maxAttempts with MarketUnavailableError (FAILURE) caused by the last failure', async () => {
    const { clock, resilient, wire } = gateway();
    wire.inject(10, { kind: 'fail' });
    const { error } = await settle(clock, resilient.getOrder('o-1'));
    const failure = unavailable(error);
    expect(failure.kind).toBe('FAILURE');
    expect(failure.message).toBe('market getOrder failed after 3 attempts');
    expect((failure.cause as Error).message).toBe('call 3');
    expect(wire.calls).toBe(3);
  });

  it('times an attempt out at attemptTimeoutMs and retries it', async () => {
    const { clock, resilient, wire } = gateway();
    wire.inject(1, { kind: 'hang' });
    const { value, atMs } = await settle(clock, resilient.getInstrument('AAPL'));
    expect(value).toMatchObject({ symbol: 'AAPL' });
    expect(atMs).toBe(200 + 50);
    expect(wire.calls).toBe(2);
  });

  it('answers TIMEOUT when every attempt hangs', async () => {
    const { clock, resilient, wire } = gateway();
    wire.inject(10, { kind: 'hang' });
    const { error, atMs } = await settle(clock, resilient.listInstruments());
    expect(unavailable(error).kind).toBe('TIMEOUT');
    expect(wire.calls).toBe(3);
    expect(atMs).toBe(3 * 200 + 50 + 100);
  });

  it('ends every call by callDeadlineMs, attempts left or not', async () => {
    const config: MarketResilienceConfig = {
      ...CONFIG,
      retry: { maxAttempts: 20, baseDelayMs: 100, maxDelayMs: 100 },
      attemptTimeoutMs: 400,
      callDeadlineMs: 1_000,
      breaker: { ...CONFIG.breaker, failureThreshold: 20 },
    };
    const { clock, resilient, wire } = gateway(config);
    wire.inject(20, { kind: 'hang' });
    const { error, atMs } = await settle(clock, resilient.getOrder('o-1'));
    expect(unavailable(error).kind).toBe('TIMEOUT');
    // 400, wait 50, 400, wait 50, then a last attempt cut to the 100 left.
    expect(wire.calls).toBe(3);
    expect(atMs).toBe(1_000);
  });

  it('finds the order on a retry when a timed-out submit had reached the market', async () => {
    const { clock, resilient, exchange, wire } = gateway();
    wire.inject(1, { kind: 'slow', delayMs: 5_000 });
    const { value } = await settle(clock, resilient.submitOrder(request()));
    expect(wire.calls).toBe(2);
    expect(value).toMatchObject({
      kind: 'accepted',
      order: { acceptedAt: new Date(START_MS).toISOString() },
    });
    expect(await exchange.pollFills('o-1')).toMatchObject({ nextCursor: 1 });
  });

  it('opens the circuit after failureThreshold failures, then fails fast without calling', async () => {
    const config = { ...CONFIG, retry: { ...CONFIG.retry, maxAttempts: 1 } };
    const { clock, resilient, wire } = gateway(config);
    wire.inject(5, { kind: 'fail' });
    for (let i = 0; i < 5; i++) {
      unavailable((await settle(clock, resilient.getOrder('o-1'), 0)).error);
    }
    expect(resilient.circuits()[0]).toMatchObject({ state: 'OPEN', retryAfterMs: 10_000 });
    const { error } = await settle(clock, resilient.getOrder('o-1'), 0);
    expect(unavailable(error).kind).toBe('CIRCUIT_OPEN');
    expect(wire.calls).toBe(5);

    await clock.advance(10_000);
    expect(resilient.circuits()[0]?.state).toBe('HALF_OPEN');
    expect(await resilient.getOrder('o-1')).toBeUndefined();
    expect(resilient.circuits()[0]?.state).toBe('CLOSED');
  });

  it('stops retrying once the circuit opens during a call', async () => {
    const config = {
      ...CONFIG,
      retry: { ...CONFIG.retry, maxAttempts: 10 },
      breaker: { ...CONFIG.breaker, failureThreshold: 2 },
    };
    const { clock, resilient, wire } = gateway(config);
    wire.inject(10, { kind: 'fail' });
    const { error } = await settle(clock, resilient.getOrder('o-1'));
    expect(unavailable(error).kind).toBe('CIRCUIT_OPEN');
    expect(wire.calls).toBe(2);
  });

  it('lets a programmer error through unchanged: not retried, not counted', async () => {
    const { clock, resilient, wire } = gateway();
    wire.inject(1, { kind: 'bug' });
    const { error } = await settle(clock, resilient.getOrder('o-1'));
    expect(error).toBeInstanceOf(TypeError);
    expect(wire.calls).toBe(1);
    expect(resilient.circuits()[0]?.consecutiveFailures).toBe(0);
  });

  it('keeps a submit redelivered through faults to one market order', async () => {
    const { clock, resilient, exchange, wire } = gateway();
    exchange.setFailureRate(0.5);
    const answers: unknown[] = [];
    for (let i = 0; i < 8; i++) {
      const { value } = await settle(clock, resilient.submitOrder(request()));
      if (value !== undefined) answers.push(value);
    }
    exchange.setFailureRate(0);
    const order = await exchange.getOrder('o-1');
    expect(order).toMatchObject({
      fillCount: 1,
      filledQuantity: 10n,
      acceptedAt: expect.any(String),
    });
    expect(answers.length).toBeGreaterThan(0);
    // Faults did strike: more calls went over the wire than submits were made.
    expect(wire.calls).toBeGreaterThan(8);
    for (const answer of answers) expect(answer).toEqual({ kind: 'accepted', order });
  });

  it.each<[string, Partial<MarketResilienceConfig>]>([
    ['maxAttempts', { retry: { maxAttempts: 0, baseDelayMs: 1, maxDelayMs: 1 } }],
    ['delays', { retry: { maxAttempts: 2, baseDelayMs: 10, maxDelayMs: 5 } }],
    ['timeouts', { attemptTimeoutMs: 500, callDeadlineMs: 100 }],
    ['callDeadlineMs', { attemptTimeoutMs: 500, callDeadlineMs: 10_000_000 }],
    ['failureThreshold', { breaker: { failureThreshold: 0, coolDownMs: 1, halfOpenMaxCalls: 1 } }],
  ])('refuses bad %s', (message, overrides) => {
    expect(() => gateway({ ...DEFAULT_MARKET_RESILIENCE_CONFIG, ...overrides })).toThrow(message);
  });
});
