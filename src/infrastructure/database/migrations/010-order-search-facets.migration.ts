import { type Migration } from '../migrator.js';

/**
 * A narrow covering index of view_order_search for the counts of a search without text.
 *
 * A search's total and facets (status, side, instrument, account) group every matching
 * order: hundreds of thousands for a broad filter. From the table that reads each wide
 * row (its tsvector and search keys with it); this index holds every column such a
 * search filters or groups on, so the counts come from an index-only scan of a fraction
 * of the size. The lowest-cardinality filters lead. A rebuild's shadow gets it like the
 * other indexes (built after its bulk load).
 */
export const orderSearchFacetsMigration: Migration = {
  version: 10,
  name: 'order-search-facets',
  sql: `
    CREATE INDEX view_order_search_facets ON view_order_search
      (status, side, instrument, order_type, account_id, customer_id, placed_at);
  `,
};
