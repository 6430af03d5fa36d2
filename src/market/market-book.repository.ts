import type pg from 'pg';
import { isConnectionFailure } from '../infrastructure/database/connection-errors.js';
import { withTransaction } from '../infrastructure/database/transaction.js';
import {
  type HeldInstrument,
  type InstrumentBook,
  type InstrumentStatus,
  type MarketBook,
  type NewInstrument,
  type OrderLookup,
  type TradedOrder,
} from './market-book.port.js';
import {
  type MarketFill,
  type MarketOrderStatus,
  MarketUnavailableError,
} from './market-gateway.port.js';
import { type SimulatedOrder } from './simulated-order.js';

/** Most rows one statement writes: a long catch-up's fills go in several. */
const MAX_ROWS_PER_STATEMENT = 5_000;
/** Most forgotten orders one pass deletes: a backlog goes over the next passes. */
const MAX_FORGOTTEN_PER_PASS = 1_000;
/** Errors of a server that is busy or cancelled the work (a timeout, a deadlock): try again. */
const TRANSIENT_CODES = new Set(['57014', '40P01', '40001', '53300', '55P03']);

/** The one place the book's PostgreSQL errors become the port's: an outage is a market without an answer. */
function mapBookError(error: unknown): unknown {
  const code = (error as { code?: unknown } | null)?.code;
  if (isConnectionFailure(error) || (typeof code === 'string' && TRANSIENT_CODES.has(code))) {
    return new MarketUnavailableError(
      'FAILURE',
      `The market's book is unavailable: ${String(error)}`,
      {
        cause: error,
      },
    );
  }
  return error;
}

interface InstrumentRow {
  symbol: string;
  tick: string;
  tick_at_ms: string;
  price_minor: string;
  halted: boolean;
  expiring?: boolean;
}

interface OrderRow {
  order_id: string;
  status: MarketOrderStatus | 'REFUSED';
  account_id: string;
  instrument: string;
  side: 'BUY' | 'SELL';
  order_type: 'MARKET' | 'LIMIT';
  quantity: string;
  limit_price_minor: string | null;
  expires_at: string | null;
  expires_at_ms: string | null;
  accepted_at_ms: string;
  filled_quantity: string;
  filled_notional_minor: string;
  fill_count: number;
  closed_at_ms: string | null;
  /** [fillId, quantity, priceMinor, atMs] of the fills asked for, oldest first. */
  fills?: [string, string, string, string][];
}

const INSTRUMENT_COLUMNS = `i.symbol, i.tick::text AS tick, i.tick_at_ms::text AS tick_at_ms,
  i.price_minor::text AS price_minor, i.halted`;
/** Whether an open order of instrument `i` is past its expiry at $2. */
const EXPIRING = `EXISTS (SELECT 1 FROM ledger_market_orders e WHERE e.instrument = i.symbol
  AND e.status = 'OPEN' AND e.expires_at_ms <= $2) AS expiring`;
const ORDER_COLUMNS = `o.order_id, o.status, o.account_id, o.instrument, o.side, o.order_type,
  o.quantity::text AS quantity, o.limit_price_minor::text AS limit_price_minor, o.expires_at,
  o.expires_at_ms::text AS expires_at_ms, o.accepted_at_ms::text AS accepted_at_ms,
  o.filled_quantity::text AS filled_quantity, o.filled_notional_minor::text AS filled_notional_minor,
  o.fill_count, o.closed_at_ms::text AS closed_at_ms`;
const CLOSED_SEQ = `nextval('ledger_market_closed_seq')`;

function instrumentOf(row: InstrumentRow): InstrumentBook {
  return {
    symbol: row.symbol,
    tick: Number(row.tick),
    tickAtMs: Number(row.tick_at_ms),
    priceMinor: BigInt(row.price_minor),
    halted: row.halted,
  };
}

function statusOf(row: InstrumentRow): InstrumentStatus {
  return { ...instrumentOf(row), expiring: row.expiring === true };
}

function orderOf(row: OrderRow): SimulatedOrder {
  const optional = (value: string | null): bigint | null => (value === null ? null : BigInt(value));
  return {
    request: {
      orderId: row.order_id,
      accountId: row.account_id,
      instrument: row.instrument,
      side: row.side,
      orderType: row.order_type,
      quantity: BigInt(row.quantity),
      limitPriceMinor: optional(row.limit_price_minor),
      expiresAt: row.expires_at,
    },
    acceptedAtMs: Number(row.accepted_at_ms),
    expiresAtMs: row.expires_at_ms === null ? null : Number(row.expires_at_ms),
    status: row.status as MarketOrderStatus,
    filledQuantity: BigInt(row.filled_quantity),
    filledNotionalMinor: BigInt(row.filled_notional_minor),
    fillCount: row.fill_count,
    closedAtMs: row.closed_at_ms === null ? null : Number(row.closed_at_ms),
  };
}

function lookupOf(row: OrderRow | undefined): OrderLookup {
  if (row === undefined) return { kind: 'unknown' };
  if (row.status === 'REFUSED') return { kind: 'refused' };
  const fills = (row.fills ?? []).map(([fillId, quantity, priceMinor, atMs]): MarketFill => ({
    fillId,
    quantity: BigInt(quantity),
    priceMinor: BigInt(priceMinor),
    at: new Date(Number(atMs)).toISOString(),
  }));
  return { kind: 'order', order: orderOf(row), fills };
}

function chunks<T>(rows: readonly T[]): T[][] {
  const out: T[][] = [];
  for (let at = 0; at < rows.length; at += MAX_ROWS_PER_STATEMENT) {
    out.push(rows.slice(at, at + MAX_ROWS_PER_STATEMENT));
  }
  return out;
}

/**
 * The simulated exchange's book in PostgreSQL (migration 005), every statement of it. A
 * hold on an instrument is a transaction that locks the instrument's row: two processes
 * sharing the book take each tick once between them. Closed orders and refused ids
 * beyond `maxClosedOrders` are forgotten, oldest first (about: concurrent closes may
 * forget a few more).
 */
export class MarketBookRepository implements MarketBook {
  constructor(
    private readonly pool: pg.Pool,
    private readonly maxClosedOrders: number,
  ) {}

  open(instruments: readonly NewInstrument[], atMs: number): Promise<void> {
    return this.guard(async () => {
      await this.pool.query(
        `INSERT INTO ledger_market_instruments (symbol, tick, tick_at_ms, price_minor)
         SELECT symbol, 0, $3, price_minor FROM unnest($1::text[], $2::numeric[]) AS i (symbol, price_minor)
         ON CONFLICT (symbol) DO NOTHING`,
        [
          instruments.map((instrument) => instrument.symbol),
          instruments.map((instrument) => instrument.priceMinor.toString()),
          atMs,
        ],
      );
    });
  }

  instruments(symbols: readonly string[], nowMs: number): Promise<InstrumentStatus[]> {
    return this.guard(async () => {
      const { rows } = await this.pool.query<InstrumentRow>(
        `SELECT ${INSTRUMENT_COLUMNS}, ${EXPIRING}
           FROM unnest($1::text[]) WITH ORDINALITY AS asked (symbol, n)
           JOIN ledger_market_instruments i USING (symbol)
          ORDER BY asked.n`,
        [symbols, nowMs],
      );
      return rows.map(statusOf);
    });
  }

  locate(orderId: string, nowMs: number): Promise<InstrumentStatus | undefined> {
    return this.guard(async () => {
      const { rows } = await this.pool.query<InstrumentRow>(
        `SELECT ${INSTRUMENT_COLUMNS}, ${EXPIRING}
           FROM ledger_market_orders o JOIN ledger_market_instruments i ON i.symbol = o.instrument
          WHERE o.order_id = $1`,
        [orderId, nowMs],
      );
      return rows[0] && statusOf(rows[0]);
    });
  }

  lookup(orderId: string, after: number, limit: number): Promise<OrderLookup> {
    return this.guard(() => lookupOn(this.pool, orderId, after, limit));
  }

  refuse(orderId: string, atMs: number): Promise<boolean> {
    return this.guard(async () => {
      const { rowCount } = await this.pool.query(
        `INSERT INTO ledger_market_orders (order_id, status, closed_at_ms, closed_seq)
         VALUES ($1, 'REFUSED', $2, ${CLOSED_SEQ}) ON CONFLICT (order_id) DO NOTHING`,
        [orderId, atMs],
      );
      if (rowCount === 1) {
        await forgetBeyond(this.pool, this.maxClosedOrders);
        return true;
      }
      // A statement of its own: it sees what holds the id, committed since the insert began.
      const { rows } = await this.pool.query<{ status: string }>(
        'SELECT status FROM ledger_market_orders WHERE order_id = $1',
        [orderId],
      );
      return rows[0]?.status === 'REFUSED';
    });
  }

  withInstrument<T>(symbol: string, work: (held: HeldInstrument) => Promise<T>): Promise<T> {
    return this.guard(() =>
      withTransaction(this.pool, async (client) => {
        const { rows } = await client.query<InstrumentRow>(
          `SELECT ${INSTRUMENT_COLUMNS} FROM ledger_market_instruments i WHERE symbol = $1 FOR UPDATE`,
          [symbol],
        );
        if (rows[0] === undefined) throw new Error(`Instrument ${symbol} is not on the book`);
        return work(new HeldInstrumentRows(client, instrumentOf(rows[0]), this.maxClosedOrders));
      }),
    );
  }

  private async guard<T>(run: () => Promise<T>): Promise<T> {
    try {
      return await run();
    } catch (error) {
      throw mapBookError(error);
    }
  }
}

/** The statements of one hold, on its transaction's connection. */
class HeldInstrumentRows implements HeldInstrument {
  constructor(
    private readonly client: pg.PoolClient,
    readonly state: InstrumentBook,
    private readonly maxClosedOrders: number,
  ) {}

  lookup(orderId: string, after: number, limit: number): Promise<OrderLookup> {
    return lookupOn(this.client, orderId, after, limit);
  }

  async restingOrders(
    range: { readonly lowMinor: bigint; readonly highMinor: bigint },
    afterOrderId: string,
    limit: number,
  ): Promise<SimulatedOrder[]> {
    const { rows } = await this.client.query<OrderRow>(
      `SELECT ${ORDER_COLUMNS} FROM ledger_market_orders o
        WHERE o.instrument = $1 AND o.status = 'OPEN' AND o.order_id > $2
          AND (o.limit_price_minor IS NULL
            OR (o.side = 'BUY' AND o.limit_price_minor >= $3)
            OR (o.side = 'SELL' AND o.limit_price_minor <= $4))
        ORDER BY o.order_id LIMIT $5`,
      [
        this.state.symbol,
        afterOrderId,
        range.lowMinor.toString(),
        range.highMinor.toString(),
        limit,
      ],
    );
    return rows.map(orderOf);
  }

  async countOpen(limit: number): Promise<number> {
    const { rows } = await this.client.query<{ open: number }>(
      `SELECT count(*)::int AS open
         FROM (SELECT 1 FROM ledger_market_orders WHERE status = 'OPEN' LIMIT $1) AS open_orders`,
      [limit],
    );
    return rows[0]?.open ?? 0;
  }

  async place(order: SimulatedOrder, fills: readonly MarketFill[]): Promise<boolean> {
    const { request } = order;
    const { rowCount } = await this.client.query(
      `INSERT INTO ledger_market_orders (order_id, status, account_id, instrument, side,
         order_type, quantity, limit_price_minor, expires_at, expires_at_ms, accepted_at_ms,
         filled_quantity, filled_notional_minor, fill_count, closed_at_ms, closed_seq)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15,
         CASE WHEN $2 = 'OPEN' THEN NULL ELSE ${CLOSED_SEQ} END)
       ON CONFLICT (order_id) DO NOTHING`,
      [
        request.orderId,
        order.status,
        request.accountId,
        request.instrument,
        request.side,
        request.orderType,
        request.quantity.toString(),
        request.limitPriceMinor?.toString() ?? null,
        request.expiresAt,
        order.expiresAtMs,
        order.acceptedAtMs,
        order.filledQuantity.toString(),
        order.filledNotionalMinor.toString(),
        order.fillCount,
        order.closedAtMs,
      ],
    );
    if (rowCount !== 1) return false;
    await this.appendFills(
      fills.map((fill, index) => ({ orderId: request.orderId, n: index + 1, fill })),
    );
    if (order.status !== 'OPEN') await forgetBeyond(this.client, this.maxClosedOrders);
    return true;
  }

  async save(orders: readonly TradedOrder[]): Promise<void> {
    if (orders.length === 0) return;
    for (const batch of chunks(orders)) {
      const { rowCount } = await this.client.query(
        `UPDATE ledger_market_orders o SET status = c.status, filled_quantity = c.filled_quantity,
           filled_notional_minor = c.filled_notional_minor, fill_count = c.fill_count,
           closed_at_ms = c.closed_at_ms,
           closed_seq = CASE WHEN c.status = 'OPEN' THEN NULL ELSE ${CLOSED_SEQ} END
         FROM unnest($1::text[], $2::text[], $3::numeric[], $4::numeric[], $5::int[], $6::bigint[])
           AS c (order_id, status, filled_quantity, filled_notional_minor, fill_count, closed_at_ms)
         WHERE o.order_id = c.order_id AND o.status = 'OPEN'`,
        [
          batch.map(({ order }) => order.request.orderId),
          batch.map(({ order }) => order.status),
          batch.map(({ order }) => order.filledQuantity.toString()),
          batch.map(({ order }) => order.filledNotionalMinor.toString()),
          batch.map(({ order }) => order.fillCount),
          batch.map(({ order }) => order.closedAtMs),
        ],
      );
      // Only the hold changes open orders: one that is not open any more means two holders.
      if (rowCount !== batch.length) {
        throw new Error(`Saved ${rowCount} of ${batch.length} orders: an order was not open`);
      }
    }
    await this.appendFills(
      orders.flatMap(({ order, fills }) =>
        fills.map((fill, index) => ({
          orderId: order.request.orderId,
          n: order.fillCount - fills.length + index + 1,
          fill,
        })),
      ),
    );
    if (orders.some(({ order }) => order.status !== 'OPEN')) {
      await forgetBeyond(this.client, this.maxClosedOrders);
    }
  }

  async expireDue(nowMs: number): Promise<void> {
    const { rowCount } = await this.client.query(
      `UPDATE ledger_market_orders SET status = 'EXPIRED', closed_at_ms = expires_at_ms,
         closed_seq = ${CLOSED_SEQ}
       WHERE instrument = $1 AND status = 'OPEN' AND expires_at_ms <= $2`,
      [this.state.symbol, nowMs],
    );
    if ((rowCount ?? 0) > 0) await forgetBeyond(this.client, this.maxClosedOrders);
  }

  async setState(state: InstrumentBook): Promise<void> {
    await this.client.query(
      `UPDATE ledger_market_instruments SET tick = $2, tick_at_ms = $3, price_minor = $4,
         halted = $5, updated_at = now()
       WHERE symbol = $1`,
      [state.symbol, state.tick, state.tickAtMs, state.priceMinor.toString(), state.halted],
    );
  }

  /** Appends fills; the key (order, number) refuses a fill written twice, failing the hold. */
  private async appendFills(
    fills: readonly { orderId: string; n: number; fill: MarketFill }[],
  ): Promise<void> {
    for (const batch of chunks(fills)) {
      await this.client.query(
        `INSERT INTO ledger_market_fills (order_id, n, fill_id, quantity, price_minor, at_ms)
         SELECT * FROM unnest($1::text[], $2::int[], $3::text[], $4::numeric[], $5::numeric[],
           $6::bigint[])`,
        [
          batch.map((row) => row.orderId),
          batch.map((row) => row.n),
          batch.map((row) => row.fill.fillId),
          batch.map((row) => row.fill.quantity.toString()),
          batch.map((row) => row.fill.priceMinor.toString()),
          batch.map((row) => Date.parse(row.fill.at)),
        ],
      );
    }
  }
}

/** The order holding the id (or its refusal) with its fills after `after`, at most `limit`, in one read. */
async function lookupOn(
  db: pg.Pool | pg.PoolClient,
  orderId: string,
  after: number,
  limit: number,
): Promise<OrderLookup> {
  const { rows } = await db.query<OrderRow>(
    `SELECT ${ORDER_COLUMNS},
       (SELECT COALESCE(json_agg(json_build_array(f.fill_id, f.quantity::text,
                 f.price_minor::text, f.at_ms::text) ORDER BY f.n), '[]')
          FROM (SELECT * FROM ledger_market_fills
                 WHERE order_id = o.order_id AND n > $2 ORDER BY n LIMIT $3) f) AS fills
       FROM ledger_market_orders o WHERE o.order_id = $1`,
    [orderId, after, limit],
  );
  return lookupOf(rows[0]);
}

/**
 * Forgets the oldest closed orders (with their fills) and refused ids beyond `keep`, at
 * most MAX_FORGOTTEN_PER_PASS a pass. Rows another transaction is deleting are skipped,
 * not waited for: two passes never deadlock on each other's rows.
 */
async function forgetBeyond(db: pg.Pool | pg.PoolClient, keep: number): Promise<void> {
  await db.query(
    `DELETE FROM ledger_market_orders WHERE order_id IN (
       SELECT order_id FROM ledger_market_orders
        WHERE closed_seq <= (SELECT last_value FROM ledger_market_closed_seq) - $1
        ORDER BY closed_seq LIMIT $2 FOR UPDATE SKIP LOCKED)`,
    [keep, MAX_FORGOTTEN_PER_PASS],
  );
}
