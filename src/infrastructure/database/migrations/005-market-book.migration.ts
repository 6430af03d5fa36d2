import { type Migration } from '../migrator.js';

/**
 * The simulated exchange's book (src/market/market-book.repository.ts), so that a restart
 * resumes its resting orders, their fills, prices and halts, and several processes trade
 * on one book. An instrument's row is its lock: ticks are taken, and its orders changed,
 * only by the transaction that holds it. An order id is the primary key of the orders
 * table whether an order holds it or a cancel that came first refused it for good: the
 * key decides between a submit and such a cancel racing. `closed_seq` numbers orders as
 * they close (and ids as they are refused): the oldest are forgotten first, beyond the
 * exchange's bound. Order ids compare bytewise (COLLATE "C"): the catch-up pages by them.
 */
export const marketBookMigration: Migration = {
  version: 5,
  name: 'market-book',
  sql: `
    CREATE TABLE ledger_market_instruments (
      symbol text PRIMARY KEY,
      tick bigint NOT NULL CHECK (tick >= 0),
      tick_at_ms bigint NOT NULL,
      price_minor numeric(30) NOT NULL CHECK (price_minor >= 1),
      halted boolean NOT NULL DEFAULT false,
      updated_at timestamptz NOT NULL DEFAULT now()
    );

    CREATE SEQUENCE ledger_market_closed_seq;

    CREATE TABLE ledger_market_orders (
      order_id text COLLATE "C" PRIMARY KEY,
      status text NOT NULL
        CHECK (status IN ('OPEN', 'FILLED', 'CANCELLED', 'EXPIRED', 'REFUSED')),
      account_id text,
      instrument text,
      side text CHECK (side IN ('BUY', 'SELL')),
      order_type text CHECK (order_type IN ('MARKET', 'LIMIT')),
      quantity numeric(30) CHECK (quantity >= 1),
      limit_price_minor numeric(30),
      expires_at text,
      expires_at_ms bigint,
      accepted_at_ms bigint,
      filled_quantity numeric(30) NOT NULL DEFAULT 0,
      filled_notional_minor numeric(30) NOT NULL DEFAULT 0,
      fill_count integer NOT NULL DEFAULT 0,
      closed_at_ms bigint,
      closed_seq bigint,
      CHECK ((status = 'REFUSED') = (instrument IS NULL)),
      CHECK (status = 'REFUSED' OR (account_id IS NOT NULL AND side IS NOT NULL
        AND order_type IS NOT NULL AND quantity IS NOT NULL AND accepted_at_ms IS NOT NULL)),
      CHECK ((status = 'OPEN') = (closed_seq IS NULL)),
      CHECK (filled_quantity >= 0 AND filled_quantity <= COALESCE(quantity, 0))
    );
    CREATE INDEX ledger_market_orders_open
      ON ledger_market_orders (instrument, order_id) WHERE status = 'OPEN';
    CREATE INDEX ledger_market_orders_expiring
      ON ledger_market_orders (instrument, expires_at_ms)
      WHERE status = 'OPEN' AND expires_at_ms IS NOT NULL;
    CREATE INDEX ledger_market_orders_closed
      ON ledger_market_orders (closed_seq) WHERE closed_seq IS NOT NULL;

    CREATE TABLE ledger_market_fills (
      order_id text COLLATE "C" NOT NULL
        REFERENCES ledger_market_orders (order_id) ON DELETE CASCADE,
      n integer NOT NULL CHECK (n >= 1),
      fill_id text NOT NULL,
      quantity numeric(30) NOT NULL CHECK (quantity >= 1),
      price_minor numeric(30) NOT NULL CHECK (price_minor >= 1),
      at_ms bigint NOT NULL,
      PRIMARY KEY (order_id, n)
    );
  `,
};
