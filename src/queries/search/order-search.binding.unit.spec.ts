import { describe, expect, it } from 'vitest';
import { MIN_ID_PART } from '../../infrastructure/elasticsearch/search-indexes.js';
import { ElasticsearchOrderSearch } from './elasticsearch-order-search.js';
import { orderSearchFor } from './order-search.binding.js';
import { type OrderSearchRepository } from '../repositories/order-search.repository.js';
import { PostgresOrderSearch } from './postgres-order-search.js';
import { MIN_PARTIAL_WORD_LENGTH } from './search-words.js';

describe('the order-search binding', () => {
  const postgres = new PostgresOrderSearch({} as OrderSearchRepository);

  it('answers from PostgreSQL unless ELASTICSEARCH_URL is set', async () => {
    expect(orderSearchFor({ elasticsearchUrl: undefined }, postgres)).toBe(postgres);
    const elastic = orderSearchFor({ elasticsearchUrl: 'http://127.0.0.1:9' }, postgres);
    expect(elastic).toBeInstanceOf(ElasticsearchOrderSearch);
    expect(elastic.projections).toEqual(['order-search-elasticsearch']);
    expect(postgres.projections).toEqual(['order-search']);
    await (elastic as ElasticsearchOrderSearch).onApplicationShutdown();
  });

  it('finds the same parts of ids on both adapters', () => {
    // The index's n-grams start where the PostgreSQL trigram match does.
    expect(MIN_ID_PART).toBe(MIN_PARTIAL_WORD_LENGTH);
  });
});
