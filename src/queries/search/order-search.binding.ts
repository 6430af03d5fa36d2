import { type Provider } from '@nestjs/common';
import { LEDGER_CONFIG, type LedgerConfig } from '../../config/ledger-config.js';
import { createElasticsearchClient } from '../../infrastructure/elasticsearch/elasticsearch-client.js';
import { ElasticsearchOrderSearch } from './elasticsearch-order-search.js';
import { ORDER_SEARCH, type OrderSearchPort } from './order-search.port.js';
import { PostgresOrderSearch } from './postgres-order-search.js';

/** Elasticsearch when ELASTICSEARCH_URL is set, else the PostgreSQL view (the default). */
export function orderSearchFor(
  config: Pick<LedgerConfig, 'elasticsearchUrl'>,
  postgres: PostgresOrderSearch,
): OrderSearchPort {
  return config.elasticsearchUrl
    ? new ElasticsearchOrderSearch(createElasticsearchClient(config.elasticsearchUrl))
    : postgres;
}

export const ORDER_SEARCH_PROVIDER: Provider = {
  provide: ORDER_SEARCH,
  inject: [LEDGER_CONFIG, PostgresOrderSearch],
  useFactory: orderSearchFor,
};
