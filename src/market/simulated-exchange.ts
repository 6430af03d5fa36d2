import { type InstrumentDefinition } from '../config/instruments.js';
import { type Clock } from '../infrastructure/resilience/clock.js';
import { InMemoryMarketBook } from './in-memory.market-book.js';
import {
  type HeldInstrument,
  type InstrumentBook,
  type InstrumentStatus,
  type MarketBook,
  type OrderLookup,
  type TradedOrder,
} from './market-book.port.js';
import {
  type CancelOutcome,
  type FillPage,
  type InstrumentQuote,
  MAX_FILLS_PER_POLL,
  type MarketGateway,
  type MarketOrder,
  type MarketOrderRequest,
  type MarketRejectionCode,
  MarketUnavailableError,
  type SubmitOutcome,
} from './market-gateway.port.js';
import { type Tick, priceRange, ticksUntil, tradeThrough } from './market-ticks.js';
import { randomInteger, seededRandom } from '../shared/seeded-random.js';
import {
  type SimulatedExchangeConfig,
  assertFailureRate,
  assertSimulatedExchangeConfig,
} from './simulated-exchange.config.js';
import {
  close,
  fill,
  newOrder,
  orderRuleBroken,
  sameRequest,
  snapshot,
  tradesAt,
} from './simulated-order.js';

/** Where an injected fault strikes a call: before the market acts, or after. */
type Fault = 'none' | 'request-lost' | 'answer-lost';

/** Resting orders read, traded and written per round trip while a catch-up replays ticks. */
const RESTING_BATCH = 1_000;
/** Tries of a cancel whose order id changes hands meanwhile (placed, or forgotten) before it gives up. */
const MAX_CANCEL_TRIES = 3;

function rejected(code: MarketRejectionCode, message: string): SubmitOutcome {
  return { kind: 'rejected', code, message };
}

/** What the order id's history answers to a submit before anything else; undefined: a new id. */
function answerFromHistory(
  found: OrderLookup,
  request: MarketOrderRequest,
): SubmitOutcome | undefined {
  switch (found.kind) {
    case 'order':
      // A repeated submit answers as the first did, halt or not.
      return sameRequest(found.order.request, request)
        ? { kind: 'accepted', order: snapshot(found.order) }
        : rejected('ORDER_ID_REUSED', `Order id ${request.orderId} was used for another order`);
    case 'refused':
      return rejected('CANCELLED_BEFORE_ARRIVAL', `Order ${request.orderId} was cancelled`);
    case 'unknown': {
      const broken = orderRuleBroken(request);
      return broken === undefined ? undefined : rejected('INVALID_ORDER', broken);
    }
  }
}

/**
 * A simulated exchange behind the MarketGateway port, keeping its book in a MarketBook
 * (PostgreSQL in the app: a restart resumes its resting orders, fills, prices and halts).
 * Time comes only from the clock: whenever a call reaches an instrument, the exchange
 * first replays the instrument's ticks since its last one (prices step, orders whose
 * time ran out expire, resting orders that the price reaches fill), holding the
 * instrument in the book so that no tick is ever taken twice, by this process or
 * another. Tick n of an instrument takes the n-th draw of its seeded price stream, so
 * the outcome depends on the seed and the clock readings, never on when timers fire or
 * how often anyone looked.
 */
export class SimulatedExchange implements MarketGateway {
  /** The instant a book that has no instruments yet starts them at. */
  private readonly startedAtMs: number;
  private readonly definitions: ReadonlyMap<string, InstrumentDefinition>;
  private opened: Promise<void> | undefined;
  private failureRate: number;
  private readonly faultRandom: () => number;
  private readonly latencyRandom: () => number;

  constructor(
    private readonly config: SimulatedExchangeConfig,
    private readonly clock: Clock,
    private readonly book: MarketBook = new InMemoryMarketBook(config.maxClosedOrders),
  ) {
    assertSimulatedExchangeConfig(config);
    this.startedAtMs = clock.nowMs();
    this.failureRate = config.failureRate;
    this.faultRandom = seededRandom(config.seed, 'faults');
    this.latencyRandom = seededRandom(config.seed, 'latency');
    this.definitions = new Map(config.instruments.map((i) => [i.symbol, i]));
  }

  submitOrder(request: MarketOrderRequest): Promise<SubmitOutcome> {
    return this.call(() => this.accept(request));
  }

  async pollFills(orderId: string, after = 0): Promise<FillPage | undefined> {
    if (!Number.isInteger(after) || after < 0) {
      throw new RangeError(`after must be a whole number >= 0, got ${after}`);
    }
    return this.call(async () => {
      const found = await this.lookupCaughtUp(orderId, after, MAX_FILLS_PER_POLL);
      if (found.kind !== 'order') return undefined;
      const { order, fills } = found;
      const nextCursor = Math.min(after, order.fillCount) + fills.length;
      return {
        orderId,
        fills,
        nextCursor,
        status: order.status,
        hasMore: nextCursor < order.fillCount,
      };
    });
  }

  cancelOrder(orderId: string): Promise<CancelOutcome> {
    return this.call(() => this.cancel(orderId));
  }

  getOrder(orderId: string): Promise<MarketOrder | undefined> {
    return this.call(async () => {
      const found = await this.lookupCaughtUp(orderId, 0, 0);
      return found.kind === 'order' ? snapshot(found.order) : undefined;
    });
  }

  listInstruments(): Promise<readonly InstrumentQuote[]> {
    return this.call(() => this.quotes([...this.definitions.keys()]));
  }

  getInstrument(symbol: string): Promise<InstrumentQuote | undefined> {
    return this.call(async () =>
      this.definitions.has(symbol) ? (await this.quotes([symbol]))[0] : undefined,
    );
  }

  /**
   * Halts or resumes trading in an instrument: while halted, new orders are rejected
   * INSTRUMENT_HALTED and resting ones do not fill (they can still expire or be
   * cancelled). Kept in the book, so it outlives a restart. The exchange's own control,
   * not a call over the wire: no latency, no faults.
   */
  async setHalted(symbol: string, halted: boolean): Promise<void> {
    if (!this.definitions.has(symbol)) throw new Error(`No instrument ${symbol} on this exchange`);
    await this.ensureOpen();
    await this.book.withInstrument(symbol, async (held) => {
      // Ticks before now ran under the old setting.
      const state = await this.advance(held, this.clock.nowMs());
      await held.setState({ ...state, halted });
    });
  }

  /** Changes the share of calls that fail, e.g. to test a caller through an outage. */
  setFailureRate(failureRate: number): void {
    assertFailureRate(failureRate);
    this.failureRate = failureRate;
  }

  /**
   * One call over the simulated wire. Its latency and fault are drawn when it starts, so
   * the sequence of draws follows the order of calls, not the order they finish in.
   */
  private async call<T>(atMarket: () => Promise<T>): Promise<T> {
    const fault = this.drawFault();
    const latencyMs =
      this.config.latencyMs + randomInteger(this.latencyRandom, 0, this.config.latencyJitterMs);
    const inboundMs = Math.floor(latencyMs / 2);
    await this.clock.sleep(inboundMs);
    if (fault === 'request-lost') {
      throw new MarketUnavailableError('FAILURE', 'Simulated fault: the request was lost');
    }
    await this.ensureOpen();
    const answer = await atMarket();
    await this.clock.sleep(latencyMs - inboundMs);
    if (fault === 'answer-lost') {
      throw new MarketUnavailableError('FAILURE', 'Simulated fault: the answer was lost');
    }
    return answer;
  }

  private drawFault(): Fault {
    // Two draws every call, whatever the rate: changing the rate leaves later draws in step.
    const fails = this.faultRandom() < this.failureRate;
    const answerLost = this.faultRandom() < 0.5;
    if (!fails) return 'none';
    return answerLost ? 'answer-lost' : 'request-lost';
  }

  /** Puts the catalogue's instruments on the book once per process (a failure is tried again). */
  private ensureOpen(): Promise<void> {
    this.opened ??= this.book
      .open(
        [...this.definitions.values()].map(({ symbol, referencePriceMinor }) => ({
          symbol,
          priceMinor: referencePriceMinor,
        })),
        this.startedAtMs,
      )
      .catch((error: unknown) => {
        this.opened = undefined;
        throw error;
      });
    return this.opened;
  }

  private async accept(request: MarketOrderRequest): Promise<SubmitOutcome> {
    if (!this.definitions.has(request.instrument)) {
      const found = await this.book.lookup(request.orderId, 0, 0);
      return (
        answerFromHistory(found, request) ??
        rejected('UNKNOWN_INSTRUMENT', `No instrument ${request.instrument} is traded here`)
      );
    }
    return this.book.withInstrument(request.instrument, (held) => this.place(held, request));
  }

  private async place(held: HeldInstrument, request: MarketOrderRequest): Promise<SubmitOutcome> {
    const nowMs = this.clock.nowMs();
    const state = await this.advance(held, nowMs);
    const answered = answerFromHistory(await held.lookup(request.orderId, 0, 0), request);
    if (answered !== undefined) return answered;
    if (state.halted) {
      return rejected('INSTRUMENT_HALTED', `Trading in ${request.instrument} is halted`);
    }
    const order = newOrder(request, nowMs);
    if (order.expiresAtMs !== null && order.expiresAtMs <= nowMs) {
      return rejected('EXPIRED_ON_ARRIVAL', `Order ${request.orderId} expired before it arrived`);
    }
    const { maxOpenOrders, maxFillQuantity } = this.config;
    if ((await held.countOpen(maxOpenOrders)) >= maxOpenOrders) {
      return rejected('TOO_MANY_OPEN_ORDERS', 'The market holds as many open orders as it will');
    }
    // A market order, or a limit the price already reached, trades on arrival.
    const fills = tradesAt(request, state.priceMinor)
      ? [fill(order, state.priceMinor, nowMs, maxFillQuantity)]
      : [];
    if (await held.place(order, fills)) return { kind: 'accepted', order: snapshot(order) };
    // The id was taken meanwhile: refused by a cancel, or used for another instrument.
    const taken = answerFromHistory(await held.lookup(request.orderId, 0, 0), request);
    if (taken === undefined) throw new Error(`Order id ${request.orderId} is taken by nothing`);
    return taken;
  }

  private async cancel(orderId: string): Promise<CancelOutcome> {
    for (let tries = 0; tries < MAX_CANCEL_TRIES; tries++) {
      const at = await this.book.locate(orderId, this.clock.nowMs());
      if (at === undefined) {
        // No order holds the id: refused for good, unless one arrived meanwhile.
        if (await this.book.refuse(orderId, this.clock.nowMs())) return { kind: 'not-placed' };
        continue;
      }
      const outcome = await this.book.withInstrument(at.symbol, (held) =>
        this.cancelHeld(held, orderId),
      );
      if (outcome !== undefined) return outcome;
    }
    throw new MarketUnavailableError('FAILURE', `Order ${orderId} kept changing on the book`);
  }

  /** Undefined when the book no longer has the order (forgotten meanwhile). */
  private async cancelHeld(
    held: HeldInstrument,
    orderId: string,
  ): Promise<CancelOutcome | undefined> {
    const nowMs = this.clock.nowMs();
    await this.advance(held, nowMs);
    const found = await held.lookup(orderId, 0, 0);
    if (found.kind !== 'order') return undefined;
    const { order } = found;
    if (order.status === 'OPEN') {
      close(order, 'CANCELLED', nowMs);
      await held.save([{ order, fills: [] }]);
    }
    if (order.status !== 'CANCELLED') return { kind: 'already-closed', order: snapshot(order) };
    return {
      kind: 'cancelled',
      cancelledQuantity: order.request.quantity - order.filledQuantity,
      order: snapshot(order),
    };
  }

  /** The order and its fills with its instrument caught up to now. */
  private async lookupCaughtUp(
    orderId: string,
    after: number,
    limit: number,
  ): Promise<OrderLookup> {
    const nowMs = this.clock.nowMs();
    const at = await this.book.locate(orderId, nowMs);
    if (at === undefined) return { kind: 'unknown' };
    await this.caughtUp(at, nowMs);
    return this.book.lookup(orderId, after, limit);
  }

  private async quotes(symbols: readonly string[]): Promise<InstrumentQuote[]> {
    const nowMs = this.clock.nowMs();
    const quotes: InstrumentQuote[] = [];
    for (const status of await this.book.instruments(symbols, nowMs)) {
      quotes.push(this.quote(await this.caughtUp(status, nowMs)));
    }
    return quotes;
  }

  /** The instrument as of now: read as it was when nothing is due, else caught up under its hold. */
  private async caughtUp(status: InstrumentStatus, nowMs: number): Promise<InstrumentBook> {
    const tickDue = nowMs - status.tickAtMs >= this.config.tickIntervalMs;
    if (!tickDue && !status.expiring) return status;
    return this.book.withInstrument(status.symbol, (held) => this.advance(held, nowMs));
  }

  /** Replays the instrument's ticks up to `nowMs`, then expires what expired since the last one. */
  private async advance(held: HeldInstrument, nowMs: number): Promise<InstrumentBook> {
    const { ticks, after } = ticksUntil(held.state, nowMs, this.config);
    if (ticks.length > 0) {
      if (!held.state.halted) await this.tradeResting(held, ticks);
      await held.setState(after);
    }
    await held.expireDue(nowMs);
    return after;
  }

  /** Takes the instrument's resting orders that the ticks' prices reach through the ticks, batch by batch. */
  private async tradeResting(held: HeldInstrument, ticks: readonly Tick[]): Promise<void> {
    const range = priceRange(ticks);
    for (let afterOrderId = ''; ;) {
      const batch = await held.restingOrders(range, afterOrderId, RESTING_BATCH);
      const traded: TradedOrder[] = [];
      for (const order of batch) {
        const fills = tradeThrough(order, ticks, this.config.maxFillQuantity);
        if (fills.length > 0 || order.status !== 'OPEN') traded.push({ order, fills });
      }
      await held.save(traded);
      const last = batch[batch.length - 1];
      if (batch.length < RESTING_BATCH || last === undefined) return;
      afterOrderId = last.request.orderId;
    }
  }

  private quote(state: InstrumentBook): InstrumentQuote {
    const { symbol, name, currency } = this.definitions.get(state.symbol)!;
    return {
      symbol,
      name,
      currency,
      priceMinor: state.priceMinor,
      halted: state.halted,
      at: new Date(state.tickAtMs).toISOString(),
    };
  }
}
