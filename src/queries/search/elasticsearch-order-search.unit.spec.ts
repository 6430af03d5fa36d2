import { describe, expect, it } from 'vitest';
import { ElasticsearchFake } from '../../../test/support/elasticsearch-fake.js';
import { ElasticsearchOrderSearch, searchBody } from './elasticsearch-order-search.js';
import { MAX_FACET_VALUES } from './order-search.port.js';

const source = {
  order_id: 'b1c2d3e4-0000-4000-8000-000000000001',
  account_id: 'acc-1',
  customer_id: 'customer-7',
  instrument: 'AAPL',
  side: 'BUY',
  order_type: 'LIMIT',
  currency: 'USD',
  status: 'COMPLETED',
  reason: null,
  quantity: '10',
  limit_price_minor: '9223372036854775807',
  filled_quantity: '10',
  filled_notional_minor: '190010',
  fee_minor: '150',
  placed_key: '2026-01-05T09:00:00.123456Z',
  updated_at: '2026-01-05T09:00:01.000000Z',
};

describe('Elasticsearch order search', () => {
  it('translates text, filters, customer scope, paging and facets', () => {
    const body = searchBody({
      text: ' aapl  timeout ',
      filter: {
        customerId: 'customer-7',
        statuses: ['FAILED'],
        placedFrom: '2026-01-01T00:00:00Z',
      },
      limit: 2,
      after: { placedAt: '2026-01-05T09:00:00.123456Z', orderId: 'o-9' },
    });
    expect(body.size).toBe(3);
    expect(body.track_total_hits).toBe(true);
    expect(body.sort).toEqual([{ placed_key: 'desc' }, { order_id: 'desc' }]);
    expect(body.search_after).toEqual(['2026-01-05T09:00:00.123456Z', 'o-9']);
    const query = body.query!.bool!;
    expect(query.must).toHaveLength(2);
    expect(JSON.stringify(query.must)).toContain('"order_id.part":"aapl"');
    expect(query.filter).toEqual([
      { term: { placed: true } },
      { term: { customer_id: 'customer-7' } },
      { terms: { status: ['FAILED'] } },
      { range: { placed_at: { gte: '2026-01-01T00:00:00Z' } } },
    ]);
    expect(body.aggs!['status']).toEqual({
      terms: {
        field: 'status',
        size: MAX_FACET_VALUES,
        order: [{ _count: 'desc' }, { _key: 'asc' }],
      },
    });
  });

  it('a word under 3 characters matches whole values and words only', () => {
    const must = searchBody({ text: 'ge', filter: {}, limit: 1 }).query!.bool!.must;
    expect(JSON.stringify(must)).not.toContain('.part');
  });

  it('maps hits back exactly, with the next page told by the extra hit', async () => {
    const es = new ElasticsearchFake();
    let sent: unknown;
    es.answerSearch = (body) => (
      (sent = body),
      {
        hits: {
          total: { value: 7, relation: 'eq' },
          hits: [
            { _id: 'x', _source: source },
            { _id: 'y', _source: source },
          ],
        },
        aggregations: { status: { buckets: [{ key: 'COMPLETED', doc_count: 7 }] } },
      }
    );
    const result = await new ElasticsearchOrderSearch(es.client).search({ filter: {}, limit: 1 });
    expect(sent).toMatchObject({ size: 2, track_total_hits: true });
    expect(result.total).toBe(7);
    expect(result.hits.hasMore).toBe(true);
    expect(result.hits.items).toHaveLength(1);
    expect(result.hits.items[0]).toMatchObject({
      limitPriceMinor: 9_223_372_036_854_775_807n,
      feeMinor: 150n,
      placedAt: '2026-01-05T09:00:00.123456Z',
      key: { placedAt: '2026-01-05T09:00:00.123456Z', orderId: source.order_id },
    });
    expect(result.facets.status).toEqual([{ value: 'COMPLETED', count: 7 }]);
    expect(result.facets.side).toEqual([]);
  });
});
