import {
  type HeldInstrument,
  type InstrumentBook,
  type InstrumentStatus,
  type MarketBook,
  type NewInstrument,
  type OrderLookup,
  type TradedOrder,
} from './market-book.port.js';
import { type MarketFill } from './market-gateway.port.js';
import { type SimulatedOrder, tradesAt } from './simulated-order.js';

/** Copies out and in: the exchange changes the orders it reads, and only a save may change the book. */
function copy(order: SimulatedOrder): SimulatedOrder {
  return { ...order };
}

/**
 * The market book in the process's memory: gone with the process. For unit tests (with a
 * manual clock: it never waits on anything but promises), and for a market that lives in
 * a test process while the saga process trading on it is killed.
 */
export class InMemoryMarketBook implements MarketBook {
  private readonly instrumentStates = new Map<string, InstrumentBook>();
  private readonly orders = new Map<string, SimulatedOrder>();
  private readonly fills = new Map<string, MarketFill[]>();
  private readonly refused = new Set<string>();
  /** Ids of closed orders and refused ids, oldest first: the first to be forgotten. */
  private readonly finished = new Set<string>();
  /** One holder at a time, whatever the instrument: a holder's awaits must not interleave another's. */
  private held: Promise<unknown> = Promise.resolve();

  /** `maxClosedOrders`: closed orders and refused ids remembered, together; beyond, the oldest are forgotten. */
  constructor(private readonly maxClosedOrders: number) {}

  open(instruments: readonly NewInstrument[], atMs: number): Promise<void> {
    for (const { symbol, priceMinor } of instruments) {
      if (this.instrumentStates.has(symbol)) continue;
      this.instrumentStates.set(symbol, {
        symbol,
        tick: 0,
        tickAtMs: atMs,
        priceMinor,
        halted: false,
      });
    }
    return Promise.resolve();
  }

  instruments(symbols: readonly string[], nowMs: number): Promise<InstrumentStatus[]> {
    return Promise.resolve(
      symbols.flatMap((symbol) => {
        const state = this.instrumentStates.get(symbol);
        return state === undefined ? [] : [this.status(state, nowMs)];
      }),
    );
  }

  locate(orderId: string, nowMs: number): Promise<InstrumentStatus | undefined> {
    const order = this.orders.get(orderId);
    const state = order && this.instrumentStates.get(order.request.instrument);
    return Promise.resolve(state && this.status(state, nowMs));
  }

  lookup(orderId: string, after: number, limit: number): Promise<OrderLookup> {
    const order = this.orders.get(orderId);
    if (order !== undefined) {
      const fills = (this.fills.get(orderId) ?? []).slice(after, after + limit);
      return Promise.resolve({ kind: 'order', order: copy(order), fills });
    }
    return Promise.resolve({ kind: this.refused.has(orderId) ? 'refused' : 'unknown' });
  }

  refuse(orderId: string): Promise<boolean> {
    if (this.orders.has(orderId)) return Promise.resolve(false);
    if (!this.refused.has(orderId)) {
      this.refused.add(orderId);
      this.finish(orderId);
    }
    return Promise.resolve(true);
  }

  withInstrument<T>(symbol: string, work: (held: HeldInstrument) => Promise<T>): Promise<T> {
    const run = this.held.then(() => {
      const state = this.instrumentStates.get(symbol);
      if (state === undefined) throw new Error(`Instrument ${symbol} is not on the book`);
      return work(this.holding(state));
    });
    // The queue only waits for the turn to end; its failure goes to its caller with `run`.
    this.held = run.catch(() => undefined);
    return run;
  }

  private holding(state: InstrumentBook): HeldInstrument {
    const { symbol } = state;
    return {
      state,
      lookup: (orderId, after, limit) => this.lookup(orderId, after, limit),
      restingOrders: ({ lowMinor, highMinor }, afterOrderId, limit) => {
        const resting = [...this.orders.values()]
          .filter(
            (order) =>
              order.request.instrument === symbol &&
              order.status === 'OPEN' &&
              order.request.orderId > afterOrderId &&
              (tradesAt(order.request, lowMinor) || tradesAt(order.request, highMinor)),
          )
          .sort((a, b) => (a.request.orderId < b.request.orderId ? -1 : 1));
        return Promise.resolve(resting.slice(0, limit).map(copy));
      },
      countOpen: (limit) => {
        let open = 0;
        for (const order of this.orders.values())
          if (order.status === 'OPEN' && ++open >= limit) break;
        return Promise.resolve(open);
      },
      place: (order, fills) => {
        if (this.orders.has(order.request.orderId) || this.refused.has(order.request.orderId)) {
          return Promise.resolve(false);
        }
        this.save([{ order, fills }], true);
        return Promise.resolve(true);
      },
      save: (orders) => {
        this.save(orders);
        return Promise.resolve();
      },
      expireDue: (nowMs) => {
        for (const order of this.orders.values()) {
          if (order.request.instrument !== symbol || order.status !== 'OPEN') continue;
          if (order.expiresAtMs === null || order.expiresAtMs > nowMs) continue;
          this.save([
            { order: { ...order, status: 'EXPIRED', closedAtMs: order.expiresAtMs }, fills: [] },
          ]);
        }
        return Promise.resolve();
      },
      setState: (next) => {
        this.instrumentStates.set(symbol, next);
        return Promise.resolve();
      },
    };
  }

  private status(state: InstrumentBook, nowMs: number): InstrumentStatus {
    let expiring = false;
    for (const order of this.orders.values()) {
      const { request, status, expiresAtMs } = order;
      if (request.instrument !== state.symbol || status !== 'OPEN') continue;
      if (expiresAtMs !== null && expiresAtMs <= nowMs) expiring = true;
    }
    return { ...state, expiring };
  }

  /** `placing`: new orders, open until now (one filled on arrival closes at once). */
  private save(orders: readonly TradedOrder[], placing = false): void {
    for (const { order, fills } of orders) {
      const orderId = order.request.orderId;
      const wasOpen = placing || this.orders.get(orderId)?.status === 'OPEN';
      this.orders.set(orderId, copy(order));
      if (fills.length > 0) this.fills.set(orderId, [...(this.fills.get(orderId) ?? []), ...fills]);
      if (wasOpen && order.status !== 'OPEN') this.finish(orderId);
    }
  }

  /** Remembers a closed order or refused id; beyond the bound, forgets the oldest. */
  private finish(id: string): void {
    this.finished.add(id);
    while (this.finished.size > this.maxClosedOrders) {
      const [oldest] = this.finished;
      if (oldest === undefined) return;
      this.finished.delete(oldest);
      this.orders.delete(oldest);
      this.fills.delete(oldest);
      this.refused.delete(oldest);
    }
  }
}
