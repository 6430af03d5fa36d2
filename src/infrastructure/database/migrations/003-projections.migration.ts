import { type Migration } from '../migrator.js';

/**
 * Projection bookkeeping and the PostgreSQL views. Money and quantities are numeric
 * (exact); positions are the log's (commit, prepare) pair.
 */
export const projectionsMigration: Migration = {
  version: 3,
  name: 'projections',
  sql: `
    CREATE TABLE ledger_projection_checkpoints (
      projection text PRIMARY KEY,
      commit_position numeric(20) NOT NULL DEFAULT 0,
      prepare_position numeric(20) NOT NULL DEFAULT 0,
      status text NOT NULL DEFAULT 'running',
      last_error text,
      events_applied bigint NOT NULL DEFAULT 0,
      updated_at timestamptz NOT NULL DEFAULT now()
    );

    CREATE TABLE ledger_projection_parked (
      id bigserial PRIMARY KEY,
      projection text NOT NULL,
      commit_position numeric(20) NOT NULL,
      prepare_position numeric(20) NOT NULL,
      event_id uuid NOT NULL,
      event_type text NOT NULL,
      stream_id text NOT NULL,
      error text NOT NULL,
      attempts integer NOT NULL,
      parked_at timestamptz NOT NULL DEFAULT now(),
      replayed_at timestamptz,
      UNIQUE (projection, event_id)
    );

    CREATE TABLE view_accounts (
      account_id text PRIMARY KEY,
      customer_id text NOT NULL,
      name text NOT NULL,
      currency text NOT NULL,
      status text NOT NULL,
      balance_minor numeric(30) NOT NULL DEFAULT 0,
      reserved_minor numeric(30) NOT NULL DEFAULT 0,
      opened_at timestamptz NOT NULL,
      updated_at timestamptz NOT NULL
    );
    CREATE INDEX view_accounts_customer ON view_accounts (customer_id);

    CREATE TABLE view_holdings (
      account_id text NOT NULL,
      instrument text NOT NULL,
      quantity numeric(30) NOT NULL DEFAULT 0,
      reserved_quantity numeric(30) NOT NULL DEFAULT 0,
      cost_basis_minor numeric(30) NOT NULL DEFAULT 0,
      updated_at timestamptz NOT NULL,
      PRIMARY KEY (account_id, instrument)
    );

    CREATE TABLE view_orders (
      order_id text PRIMARY KEY,
      account_id text NOT NULL,
      side text NOT NULL,
      order_type text NOT NULL,
      instrument text NOT NULL,
      currency text NOT NULL,
      quantity numeric(30) NOT NULL,
      limit_price_minor numeric(30),
      filled_quantity numeric(30) NOT NULL DEFAULT 0,
      filled_notional_minor numeric(40) NOT NULL DEFAULT 0,
      fee_minor numeric(30) NOT NULL DEFAULT 0,
      status text NOT NULL,
      reason text,
      placed_at timestamptz NOT NULL,
      expires_at timestamptz,
      updated_at timestamptz NOT NULL
    );
    CREATE INDEX view_orders_account_placed ON view_orders (account_id, placed_at DESC, order_id DESC);
    CREATE INDEX view_orders_placed ON view_orders (placed_at DESC, order_id DESC);
    CREATE INDEX view_orders_status ON view_orders (status);

    -- The orders projection's record of each order's fee. A fee is charged on the
    -- account stream, so it may reach the log before the order's placement: kept here,
    -- it is copied into view_orders.fee_minor whenever the order row is written.
    CREATE TABLE view_order_fees (
      order_id text PRIMARY KEY,
      fee_minor numeric(30) NOT NULL
    );

    -- The double-entry journal: one row per posting.
    CREATE TABLE view_ledger_entries (
      commit_position numeric(20) NOT NULL,
      prepare_position numeric(20) NOT NULL,
      posting_index smallint NOT NULL,
      ledger_account text NOT NULL,
      account_id text,
      amount_minor numeric(30) NOT NULL,
      currency text NOT NULL,
      event_type text NOT NULL,
      payment_id text,
      order_id text,
      occurred_at timestamptz NOT NULL,
      PRIMARY KEY (commit_position, prepare_position, posting_index)
    );
    CREATE INDEX view_ledger_entries_account ON view_ledger_entries (ledger_account, commit_position, prepare_position);
    CREATE INDEX view_ledger_entries_account_id ON view_ledger_entries (account_id, commit_position, prepare_position);

    -- The ledger-entries projection's own copy of each account's currency (from
    -- AccountOpened), so that it never reads another projection's tables.
    CREATE TABLE view_ledger_account_currencies (
      account_id text PRIMARY KEY,
      currency text NOT NULL
    );

    -- Each cash movement of a customer account with the balance after it.
    CREATE TABLE view_account_statements (
      account_id text NOT NULL,
      commit_position numeric(20) NOT NULL,
      prepare_position numeric(20) NOT NULL,
      entry_type text NOT NULL,
      description text NOT NULL,
      amount_minor numeric(30) NOT NULL,
      balance_after_minor numeric(30) NOT NULL,
      occurred_at timestamptz NOT NULL,
      PRIMARY KEY (account_id, commit_position, prepare_position)
    );
  `,
};
