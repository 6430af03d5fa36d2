import { seededRandom } from '../shared/seeded-random.js';
import { type InstrumentBook } from './market-book.port.js';
import { type MarketFill } from './market-gateway.port.js';
import { PricePath } from './price-path.js';
import { type SimulatedOrder, close, fill, tradesAt } from './simulated-order.js';

/**
 * The market's clock work as pure functions: which ticks are due, the price at each, and
 * what a resting order does through them. The exchange runs them on what its book holds.
 */

/**
 * Most ticks one catch-up replays. Beyond it (the exchange was down for long), the older
 * ticks are skipped: prices stand still through them, as over a market's closure, and
 * catching up stays bounded.
 */
export const MAX_REPLAYED_TICKS = 10_000;

export interface Tick {
  readonly atMs: number;
  readonly priceMinor: bigint;
}

export interface TickSettings {
  readonly seed: number;
  readonly tickIntervalMs: number;
  readonly volatilityBps: number;
}

/** The ticks due by `nowMs` (oldest first, at most MAX_REPLAYED_TICKS) and where they leave the instrument. */
export function ticksUntil(
  state: InstrumentBook,
  nowMs: number,
  settings: TickSettings,
): { readonly ticks: readonly Tick[]; readonly after: InstrumentBook } {
  const { seed, tickIntervalMs, volatilityBps } = settings;
  // Another process's clock may be ahead: its ticks stand, and none is due here yet.
  const due = Math.max(0, Math.floor((nowMs - state.tickAtMs) / tickIntervalMs));
  const skipped = Math.max(0, due - MAX_REPLAYED_TICKS);
  // Tick n always takes the n-th draw of the instrument's stream: a restart resumes the path.
  const path = new PricePath(
    state.priceMinor,
    volatilityBps,
    seededRandom(seed, `price:${state.symbol}`, state.tick + skipped),
  );
  const ticks: Tick[] = [];
  for (let n = skipped + 1; n <= due; n++) {
    ticks.push({ atMs: state.tickAtMs + n * tickIntervalMs, priceMinor: path.step() });
  }
  const after: InstrumentBook = {
    ...state,
    tick: state.tick + due,
    tickAtMs: state.tickAtMs + due * tickIntervalMs,
    priceMinor: path.priceMinor,
  };
  return { ticks, after };
}

/** The lowest and highest price of the ticks (of at least one tick). */
export function priceRange(ticks: readonly Tick[]): { lowMinor: bigint; highMinor: bigint } {
  let lowMinor = ticks[0]!.priceMinor;
  let highMinor = lowMinor;
  for (const { priceMinor } of ticks) {
    if (priceMinor < lowMinor) lowMinor = priceMinor;
    if (priceMinor > highMinor) highMinor = priceMinor;
  }
  return { lowMinor, highMinor };
}

/**
 * Takes an open order through the ticks: at each, an order whose time ran out by then
 * expires (at its expiry instant) before it could trade; else it fills, at most once a
 * tick, when the price reaches it. Answers the fills it made, oldest first.
 */
export function tradeThrough(
  order: SimulatedOrder,
  ticks: readonly Tick[],
  maxFillQuantity: bigint | null,
): MarketFill[] {
  const fills: MarketFill[] = [];
  for (const tick of ticks) {
    if (order.status !== 'OPEN') break;
    if (order.expiresAtMs !== null && order.expiresAtMs <= tick.atMs) {
      close(order, 'EXPIRED', order.expiresAtMs);
      break;
    }
    if (tradesAt(order.request, tick.priceMinor)) {
      fills.push(fill(order, tick.priceMinor, tick.atMs, maxFillQuantity));
    }
  }
  return fills;
}
