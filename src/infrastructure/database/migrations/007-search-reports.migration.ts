import { type Migration } from '../migrator.js';

/**
 * Order search and the report rollups.
 *
 * view_order_search is view_orders with the customer beside each order, so that a
 * customer's search and its facets read one table. Two generated columns serve the text
 * search: `search_tsv` finds whole words of the reason and status (and the ids and symbol
 * as tokens), `search_keys` any part of an id or symbol through a trigram index. They
 * are STORED: a shadow made by `LIKE ... INCLUDING ALL` has them too, and COPY and the
 * upserts name their columns, so neither ever writes them. (Migration 011 takes the
 * instrument out of both: it is matched on its own.)
 *
 * The reports read rollups by UTC day, kept by adding each batch's deltas to the day's
 * row, so that a report costs in proportion to its days. The `reports` projector keeps
 * its own facts (each account's currency, each placed order's dimensions, each order's
 * latest fee) so that it never reads another projector's tables.
 */
export const searchReportsMigration: Migration = {
  version: 7,
  name: 'search-reports',
  sql: `
    CREATE EXTENSION IF NOT EXISTS pg_trgm;

    CREATE TABLE view_order_search (
      order_id text PRIMARY KEY,
      account_id text NOT NULL,
      -- NULL until the account's opening is applied (a log written without the causal
      -- order commands keep may place an order before it): found by no customer's search.
      customer_id text,
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
      updated_at timestamptz NOT NULL,
      search_tsv tsvector GENERATED ALWAYS AS (
        to_tsvector('simple',
          coalesce(reason, '') || ' ' || status || ' ' || order_id || ' ' || account_id || ' ' ||
          coalesce(customer_id, '') || ' ' || instrument)
      ) STORED,
      search_keys text GENERATED ALWAYS AS (
        order_id || ' ' || account_id || ' ' || coalesce(customer_id, '') || ' ' || instrument
      ) STORED
    );
    CREATE INDEX view_order_search_tsv ON view_order_search USING gin (search_tsv);
    CREATE INDEX view_order_search_keys ON view_order_search USING gin (search_keys gin_trgm_ops);
    CREATE INDEX view_order_search_placed ON view_order_search (placed_at DESC, order_id DESC);
    CREATE INDEX view_order_search_customer_placed
      ON view_order_search (customer_id, placed_at DESC, order_id DESC);

    -- The order-search projection's own copy of each account's customer (from AccountOpened).
    CREATE TABLE view_order_search_accounts (
      account_id text PRIMARY KEY,
      customer_id text NOT NULL
    );

    -- Each order's latest fee, kept for orders whose fee reaches the log before them
    -- (as view_order_fees is for view_orders).
    CREATE TABLE view_order_search_fees (
      order_id text PRIMARY KEY,
      fee_minor numeric(30) NOT NULL
    );

    CREATE TABLE report_account_currencies (
      account_id text PRIMARY KEY,
      currency text NOT NULL
    );

    CREATE TABLE report_order_facts (
      order_id text PRIMARY KEY,
      placed_day date NOT NULL,
      order_type text NOT NULL,
      instrument text NOT NULL,
      currency text NOT NULL
    );

    -- Each order's latest fee (0 once refunded), also of orders not placed yet: what the
    -- customer-orders rollup holds for the order, so a change adds the difference.
    CREATE TABLE report_order_fees (
      order_id text PRIMARY KEY,
      fee_minor numeric(30) NOT NULL
    );

    CREATE TABLE report_fees_daily (
      day date NOT NULL,
      currency text NOT NULL,
      charged_minor numeric(40) NOT NULL,
      refunded_minor numeric(40) NOT NULL,
      count bigint NOT NULL,
      PRIMARY KEY (day, currency)
    );

    CREATE TABLE report_volume_daily (
      day date NOT NULL,
      instrument text NOT NULL,
      currency text NOT NULL,
      quantity numeric(40) NOT NULL,
      value_minor numeric(50) NOT NULL,
      fills bigint NOT NULL,
      PRIMARY KEY (day, instrument, currency)
    );

    CREATE TABLE report_outcomes_daily (
      day date NOT NULL,
      status text NOT NULL,
      orders bigint NOT NULL,
      PRIMARY KEY (day, status)
    );

    CREATE TABLE report_customer_orders_daily (
      day date NOT NULL,
      order_type text NOT NULL,
      instrument text NOT NULL,
      payment_method text NOT NULL,
      orders bigint NOT NULL,
      fee_minor numeric(40) NOT NULL,
      PRIMARY KEY (day, order_type, instrument, payment_method)
    );

    -- The top-accounts report: the largest balances of a currency, straight off the index.
    CREATE INDEX view_accounts_currency_balance
      ON view_accounts (currency, balance_minor DESC, account_id);
  `,
};
