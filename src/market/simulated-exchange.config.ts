import { INSTRUMENTS, type InstrumentDefinition } from '../config/instruments.js';
import { MAX_QUANTITY } from '../domain/money.js';

export interface SimulatedExchangeConfig {
  /** The same seed, clock readings and calls give the same prices, fills and faults. */
  readonly seed: number;
  /** Prices move, and resting orders trade, once per tick. */
  readonly tickIntervalMs: number;
  /** Largest price move per tick, in basis points of the price (uniform in ±this). */
  readonly volatilityBps: number;
  /** Largest quantity of one fill (an order fills at most once per tick); null: in one fill. */
  readonly maxFillQuantity: bigint | null;
  /** Round trip of every call, half on the way in and half on the way out. */
  readonly latencyMs: number;
  /** Extra round-trip time drawn uniformly from 0 to this, per call. */
  readonly latencyJitterMs: number;
  /**
   * Share of calls, 0 to 1, that fail with MarketUnavailableError; half of them lose the
   * request (no effect), half the answer (the effect happened).
   */
  readonly failureRate: number;
  readonly maxOpenOrders: number;
  /**
   * Finished orders (remembered for repeated submits and reads) and ids cancelled before
   * arrival, together, that the book keeps; beyond it the oldest are forgotten.
   */
  readonly maxClosedOrders: number;
  readonly instruments: readonly InstrumentDefinition[];
}

export const DEFAULT_SIMULATED_EXCHANGE_CONFIG: SimulatedExchangeConfig = {
  seed: 1,
  tickIntervalMs: 1_000,
  volatilityBps: 20,
  maxFillQuantity: null,
  latencyMs: 10,
  latencyJitterMs: 20,
  failureRate: 0,
  maxOpenOrders: 100_000,
  maxClosedOrders: 100_000,
  instruments: INSTRUMENTS,
};

/** Largest tick-to-tick move: beyond it a step could take a price to the floor and keep it there. */
const MAX_VOLATILITY_BPS = 5_000;
/** Upper bound of the simulated round trip (and its jitter). */
const MAX_LATENCY_MS = 60_000;

function wholeNumber(name: string, value: number, min: number, max: number): void {
  if (!Number.isInteger(value) || value < min || value > max) {
    throw new Error(`${name} must be a whole number from ${min} to ${max}, got ${value}`);
  }
}

export function assertFailureRate(failureRate: number): void {
  if (!(failureRate >= 0 && failureRate <= 1)) {
    throw new Error(`failureRate must be from 0 to 1, got ${failureRate}`);
  }
}

export function assertSimulatedExchangeConfig(config: SimulatedExchangeConfig): void {
  wholeNumber('seed', config.seed, 0, 2 ** 32 - 1);
  wholeNumber('tickIntervalMs', config.tickIntervalMs, 1, 86_400_000);
  wholeNumber('volatilityBps', config.volatilityBps, 0, MAX_VOLATILITY_BPS);
  wholeNumber('latencyMs', config.latencyMs, 0, MAX_LATENCY_MS);
  wholeNumber('latencyJitterMs', config.latencyJitterMs, 0, MAX_LATENCY_MS);
  wholeNumber('maxOpenOrders', config.maxOpenOrders, 1, 10_000_000);
  wholeNumber('maxClosedOrders', config.maxClosedOrders, 0, 10_000_000);
  assertFailureRate(config.failureRate);
  const maxFill = config.maxFillQuantity;
  if (maxFill !== null && (maxFill < 1n || maxFill > MAX_QUANTITY)) {
    throw new Error(`maxFillQuantity must be from 1 to ${MAX_QUANTITY} or null, got ${maxFill}`);
  }
  const symbols = new Set(config.instruments.map((instrument) => instrument.symbol));
  if (symbols.size !== config.instruments.length) {
    throw new Error('instruments must not repeat a symbol');
  }
}
