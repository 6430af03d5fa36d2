/**
 * The checkpoint the Elasticsearch order-search indexer (projections) keeps and the
 * Elasticsearch reader (queries) waits on: said once, below both features.
 */
export const ORDER_SEARCH_ELASTICSEARCH = 'order-search-elasticsearch';
