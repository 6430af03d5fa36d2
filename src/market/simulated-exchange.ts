import { type InstrumentDefinition } from '../config/instruments.js';
import { type Clock } from '../infrastructure/resilience/clock.js';
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
  isClosed,
} from './market-gateway.port.js';
import { PricePath } from './price-path.js';
import { randomInteger, seededRandom } from '../infrastructure/seeded-random.js';
import {
  type SimulatedExchangeConfig,
  assertFailureRate,
  assertSimulatedExchangeConfig,
} from './simulated-exchange.config.js';
import {
  type SimulatedOrder,
  close,
  fill,
  newOrder,
  orderRuleBroken,
  sameRequest,
  snapshot,
  tradesAt,
} from './simulated-order.js';

interface Market {
  readonly definition: InstrumentDefinition;
  readonly path: PricePath;
  halted: boolean;
  /** Open orders in arrival order: earlier orders trade first. */
  readonly open: Map<string, SimulatedOrder>;
}

/** Where an injected fault strikes a call: before the market acts, or after. */
type Fault = 'none' | 'request-lost' | 'answer-lost';

function rejected(code: MarketRejectionCode, message: string): SubmitOutcome {
  return { kind: 'rejected', code, message };
}

/**
 * An in-process exchange behind the MarketGateway port. Time comes only from the clock:
 * whenever a call reaches the market, the market first replays every tick since the last
 * call (prices step, expired orders close, resting orders that the price reaches fill),
 * so the outcome depends on the clock readings and the seed, never on when timers fire.
 */
export class SimulatedExchange implements MarketGateway {
  private readonly epochMs: number;
  private tick = 0;
  private readonly markets = new Map<string, Market>();
  /** Every remembered order, open or closed, by order id. */
  private readonly orders = new Map<string, SimulatedOrder>();
  /** Closed order ids, oldest first: the first to be forgotten. */
  private readonly closedIds = new Set<string>();
  /** Ids cancelled before their order arrived, oldest first. */
  private readonly refusedIds = new Set<string>();
  private openCount = 0;
  private failureRate: number;
  private readonly faultRandom: () => number;
  private readonly latencyRandom: () => number;

  constructor(
    private readonly config: SimulatedExchangeConfig,
    private readonly clock: Clock,
  ) {
    assertSimulatedExchangeConfig(config);
    this.epochMs = clock.nowMs();
    this.failureRate = config.failureRate;
    this.faultRandom = seededRandom(config.seed, 'faults');
    this.latencyRandom = seededRandom(config.seed, 'latency');
    for (const definition of config.instruments) {
      const random = seededRandom(config.seed, `price:${definition.symbol}`);
      this.markets.set(definition.symbol, {
        definition,
        path: new PricePath(definition.referencePriceMinor, config.volatilityBps, random),
        halted: false,
        open: new Map(),
      });
    }
  }

  submitOrder(request: MarketOrderRequest): Promise<SubmitOutcome> {
    return this.call(() => this.accept(request));
  }

  async pollFills(orderId: string, after = 0): Promise<FillPage | undefined> {
    if (!Number.isInteger(after) || after < 0) {
      throw new RangeError(`after must be a whole number >= 0, got ${after}`);
    }
    return this.call(() => {
      const order = this.orders.get(orderId);
      if (order === undefined) return undefined;
      const fills = order.fills.slice(after, after + MAX_FILLS_PER_POLL);
      const nextCursor = Math.min(after, order.fills.length) + fills.length;
      return {
        orderId,
        fills,
        nextCursor,
        status: order.status,
        hasMore: nextCursor < order.fills.length,
      };
    });
  }

  cancelOrder(orderId: string): Promise<CancelOutcome> {
    return this.call(() => this.cancel(orderId));
  }

  getOrder(orderId: string): Promise<MarketOrder | undefined> {
    return this.call(() => {
      const order = this.orders.get(orderId);
      return order === undefined ? undefined : snapshot(order);
    });
  }

  listInstruments(): Promise<readonly InstrumentQuote[]> {
    return this.call(() => [...this.markets.values()].map((market) => this.quote(market)));
  }

  getInstrument(symbol: string): Promise<InstrumentQuote | undefined> {
    return this.call(() => {
      const market = this.markets.get(symbol);
      return market === undefined ? undefined : this.quote(market);
    });
  }

  /**
   * Halts or resumes trading in an instrument: while halted, new orders are rejected
   * INSTRUMENT_HALTED and resting ones do not fill (they can still expire or be
   * cancelled). The exchange's own control, not a call over the wire: no latency, no faults.
   */
  setHalted(symbol: string, halted: boolean): void {
    const market = this.markets.get(symbol);
    if (market === undefined) throw new Error(`No instrument ${symbol} on this exchange`);
    // Ticks before now ran under the old setting.
    this.catchUp();
    market.halted = halted;
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
  private async call<T>(atMarket: () => T): Promise<T> {
    const fault = this.drawFault();
    const latencyMs =
      this.config.latencyMs + randomInteger(this.latencyRandom, 0, this.config.latencyJitterMs);
    const inboundMs = Math.floor(latencyMs / 2);
    await this.clock.sleep(inboundMs);
    if (fault === 'request-lost') {
      throw new MarketUnavailableError('FAILURE', 'Simulated fault: the request was lost');
    }
    this.catchUp();
    const answer = atMarket();
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

  private accept(request: MarketOrderRequest): SubmitOutcome {
    const existing = this.orders.get(request.orderId);
    if (existing !== undefined) {
      // Checked before anything else: a repeated submit answers as the first did, halt or not.
      return sameRequest(existing.request, request)
        ? { kind: 'accepted', order: snapshot(existing) }
        : rejected('ORDER_ID_REUSED', `Order id ${request.orderId} was used for another order`);
    }
    if (this.refusedIds.has(request.orderId)) {
      return rejected('CANCELLED_BEFORE_ARRIVAL', `Order ${request.orderId} was cancelled`);
    }
    const broken = orderRuleBroken(request);
    if (broken !== undefined) return rejected('INVALID_ORDER', broken);
    const market = this.markets.get(request.instrument);
    if (market === undefined) {
      return rejected('UNKNOWN_INSTRUMENT', `No instrument ${request.instrument} is traded here`);
    }
    if (market.halted) {
      return rejected('INSTRUMENT_HALTED', `Trading in ${request.instrument} is halted`);
    }
    const nowMs = this.clock.nowMs();
    const order = newOrder(request, nowMs);
    if (order.expiresAtMs !== null && order.expiresAtMs <= nowMs) {
      return rejected('EXPIRED_ON_ARRIVAL', `Order ${request.orderId} expired before it arrived`);
    }
    if (this.openCount >= this.config.maxOpenOrders) {
      return rejected('TOO_MANY_OPEN_ORDERS', 'The market holds as many open orders as it will');
    }
    this.orders.set(request.orderId, order);
    market.open.set(request.orderId, order);
    this.openCount++;
    // A market order, or a limit the price already reached, trades on arrival.
    this.tryFill(market, order, nowMs);
    return { kind: 'accepted', order: snapshot(order) };
  }

  private cancel(orderId: string): CancelOutcome {
    const order = this.orders.get(orderId);
    if (order === undefined) {
      this.remember(this.refusedIds, orderId);
      return { kind: 'not-placed' };
    }
    if (order.status === 'OPEN') {
      close(order, 'CANCELLED', this.clock.nowMs());
      this.retire(order);
    }
    if (order.status !== 'CANCELLED') return { kind: 'already-closed', order: snapshot(order) };
    return {
      kind: 'cancelled',
      cancelledQuantity: order.request.quantity - order.filledQuantity,
      order: snapshot(order),
    };
  }

  /** Replays the ticks up to the clock's reading, then expires what expired since the last one. */
  private catchUp(): void {
    const nowMs = this.clock.nowMs();
    const targetTick = Math.floor((nowMs - this.epochMs) / this.config.tickIntervalMs);
    while (this.tick < targetTick) {
      this.tick++;
      const tickMs = this.tickAtMs();
      for (const market of this.markets.values()) {
        // Expiry first: an order whose time ran out at this instant no longer trades.
        this.expireDue(market, tickMs);
        market.path.step();
        if (market.halted) continue;
        for (const order of market.open.values()) this.tryFill(market, order, tickMs);
      }
    }
    for (const market of this.markets.values()) this.expireDue(market, nowMs);
  }

  private tickAtMs(): number {
    return this.epochMs + this.tick * this.config.tickIntervalMs;
  }

  private tryFill(market: Market, order: SimulatedOrder, atMs: number): void {
    const priceMinor = market.path.priceMinor;
    if (!tradesAt(order.request, priceMinor)) return;
    fill(order, priceMinor, atMs, this.config.maxFillQuantity);
    if (isClosed(order.status)) this.retire(order);
  }

  private expireDue(market: Market, atMs: number): void {
    for (const order of market.open.values()) {
      if (order.expiresAtMs !== null && order.expiresAtMs <= atMs) {
        close(order, 'EXPIRED', order.expiresAtMs);
        this.retire(order);
      }
    }
  }

  /** Takes a closed order off its book; beyond the retention bound, forgets the oldest. */
  private retire(order: SimulatedOrder): void {
    this.markets.get(order.request.instrument)?.open.delete(order.request.orderId);
    this.openCount--;
    this.remember(this.closedIds, order.request.orderId, (forgotten) =>
      this.orders.delete(forgotten),
    );
  }

  private remember(ids: Set<string>, id: string, forget?: (id: string) => void): void {
    ids.add(id);
    if (ids.size <= this.config.maxClosedOrders) return;
    const [oldest] = ids;
    if (oldest === undefined) return;
    ids.delete(oldest);
    forget?.(oldest);
  }

  private quote(market: Market): InstrumentQuote {
    const { symbol, name, currency } = market.definition;
    return {
      symbol,
      name,
      currency,
      priceMinor: market.path.priceMinor,
      halted: market.halted,
      at: new Date(this.tickAtMs()).toISOString(),
    };
  }
}
