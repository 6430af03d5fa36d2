import { type MarketFill } from './market-gateway.port.js';
import { type SimulatedOrder } from './simulated-order.js';

/**
 * Where the simulated exchange keeps its book: the instruments' prices and halts, the
 * orders, their fills, and the order ids refused for good. The exchange decides; the
 * book only stores. Two adapters: PostgreSQL (MarketBookRepository: the book outlives the
 * process, and several processes share it) and in memory (InMemoryMarketBook: unit tests,
 * and a market that lives in a test process).
 */
export interface MarketBook {
  /**
   * Creates the rows of instruments the book does not have yet, at their reference price
   * with no tick taken at `atMs`; an instrument the book has keeps where it stands.
   */
  open(instruments: readonly NewInstrument[], atMs: number): Promise<void>;
  /** The instruments as they stand, read without a lock, in the order asked. */
  instruments(symbols: readonly string[], nowMs: number): Promise<InstrumentStatus[]>;
  /** The instrument of the order with this id, read without a lock; undefined: no order holds it. */
  locate(orderId: string, nowMs: number): Promise<InstrumentStatus | undefined>;
  /**
   * What holds the order id (outside any lock), and the order's fills after the first
   * `after` ones (at most `limit`), read together.
   */
  lookup(orderId: string, after: number, limit: number): Promise<OrderLookup>;
  /**
   * Refuses the id for good unless an order holds it: true when it is refused (now or
   * before), false when an order holds it (one may have arrived meanwhile).
   */
  refuse(orderId: string, atMs: number): Promise<boolean>;
  /**
   * Runs `work` holding the instrument: the one place its ticks are taken, its orders
   * changed and new orders placed, so that two calls (of this process or another) never
   * trade the same tick twice. All of `work`'s writes land together, or none does.
   */
  withInstrument<T>(symbol: string, work: (held: HeldInstrument) => Promise<T>): Promise<T>;
}

/** What the book of one instrument allows while the exchange holds it. */
export interface HeldInstrument {
  /** As it stood when it was taken. */
  readonly state: InstrumentBook;
  /** As MarketBook.lookup, inside the hold. */
  lookup(orderId: string, after: number, limit: number): Promise<OrderLookup>;
  /**
   * Open orders of the instrument that some price from `lowMinor` to `highMinor` trades
   * (market orders, buys limited at or above `lowMinor`, sells at or below `highMinor`),
   * by order id after `afterOrderId`, at most `limit`.
   */
  restingOrders(
    range: { readonly lowMinor: bigint; readonly highMinor: bigint },
    afterOrderId: string,
    limit: number,
  ): Promise<SimulatedOrder[]>;
  /** Open orders on the whole exchange, counted up to `limit` (enough to compare with it). */
  countOpen(limit: number): Promise<number>;
  /** Places a new order with its fills; false when the id was taken meanwhile (nothing written). */
  place(order: SimulatedOrder, fills: readonly MarketFill[]): Promise<boolean>;
  /** Writes orders the exchange changed, with the fills they made (each fill once). */
  save(orders: readonly TradedOrder[]): Promise<void>;
  /** Closes every open order of the instrument whose expiry is at or before `nowMs`, at its expiry. */
  expireDue(nowMs: number): Promise<void>;
  setState(state: InstrumentBook): Promise<void>;
}

/** Where an instrument's market stands. */
export interface InstrumentBook {
  readonly symbol: string;
  /** Ticks taken since the book began: how far the instrument's seeded price stream has gone. */
  readonly tick: number;
  /** The instant of the last tick (of the book's start, before the first). */
  readonly tickAtMs: number;
  readonly priceMinor: bigint;
  readonly halted: boolean;
}

/** An instrument as read without its lock, with whether one of its open orders is past its expiry. */
export interface InstrumentStatus extends InstrumentBook {
  readonly expiring: boolean;
}

export interface NewInstrument {
  readonly symbol: string;
  readonly priceMinor: bigint;
}

export type OrderLookup =
  | { readonly kind: 'order'; readonly order: SimulatedOrder; readonly fills: MarketFill[] }
  /** Cancelled before it arrived: the id is refused for good. */
  | { readonly kind: 'refused' }
  | { readonly kind: 'unknown' };

/** An order the exchange changed, and the fills it made meanwhile (oldest first). */
export interface TradedOrder {
  readonly order: SimulatedOrder;
  readonly fills: readonly MarketFill[];
}
