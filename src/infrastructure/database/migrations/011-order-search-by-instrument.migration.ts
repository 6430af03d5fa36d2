import { type Migration } from '../migrator.js';

/**
 * Order search by instrument from an index alone.
 *
 * A word that names an instrument ("AAPL") matched a quarter of a million orders through
 * the text columns, each one read from the wide table to be counted. The text columns now
 * leave the instrument out: a search matches a word against the instrument on its own
 * (OrderSearchRepository), so the orders of an instrument that matches are counted from
 * a second covering index led by instrument and side, and only the few orders matched by
 * their ids, customer, status or reason go through the text indexes. The same index
 * serves a filter on side and instrument, which the status-led one (migration 010) could
 * only scan whole.
 */
export const orderSearchByInstrumentMigration: Migration = {
  version: 11,
  name: 'order-search-by-instrument',
  sql: `
    ALTER TABLE view_order_search DROP COLUMN search_tsv, DROP COLUMN search_keys;
    ALTER TABLE view_order_search
      ADD COLUMN search_tsv tsvector GENERATED ALWAYS AS (
        to_tsvector('simple',
          coalesce(reason, '') || ' ' || status || ' ' || order_id || ' ' || account_id || ' ' ||
          coalesce(customer_id, ''))
      ) STORED,
      ADD COLUMN search_keys text GENERATED ALWAYS AS (
        order_id || ' ' || account_id || ' ' || coalesce(customer_id, '')
      ) STORED;
    CREATE INDEX view_order_search_tsv ON view_order_search USING gin (search_tsv);
    CREATE INDEX view_order_search_keys ON view_order_search USING gin (search_keys gin_trgm_ops);
    CREATE INDEX view_order_search_instrument_facets ON view_order_search
      (instrument, side, status, order_type, account_id, customer_id, placed_at);
  `,
};
