import { describe, expect, it } from 'vitest';
import { type DomainEvent } from '../../src/events/event-catalog.js';
import { encodeEvent } from '../../src/events/event-codec.js';
import { comparePositions } from '../../src/event-store/position.js';
import { createElasticsearchClient } from '../../src/infrastructure/elasticsearch/elasticsearch-client.js';
import { ensureSearchIndexes } from '../../src/infrastructure/elasticsearch/search-indexes.js';
import { CheckpointsRepository } from '../../src/projections/engine/checkpoints.repository.js';
import { ParkedEventsRepository } from '../../src/projections/engine/parked-events.repository.js';
import { liveBinding } from '../../src/projections/engine/projection.js';
import { AccountDirectory } from '../../src/projections/elasticsearch/account-directory.js';
import {
  ORDER_SEARCH_ELASTICSEARCH,
  OrderSearchIndexProjection,
} from '../../src/projections/elasticsearch/order-search-index.projection.js';
import { ElasticsearchOrderSearch } from '../../src/queries/search/elasticsearch-order-search.js';
import { type OrderSearchPort } from '../../src/queries/search/order-search.port.js';
import { useProjectionDatabase } from '../projections/projection-database.fixture.js';
// The shared suite, on the search-pg branch until the merge; then:
// import { orderSearchContract } from './order-search.contract.js';

/** What the shared contract suite opens (its harness shape). */
interface OrderSearchHarness {
  readonly search: OrderSearchPort;
  /** Appends the events (stream id and domain event) to the log; returns once indexed. */
  given(events: readonly { streamId: string; event: DomainEvent }[]): Promise<void>;
  dispose(): Promise<void>;
}

/**
 * A real server, e.g. `docker compose up elasticsearch` then
 * ELASTICSEARCH_URL=http://127.0.0.1:9200: the indexer over a PostgreSQL log of its own,
 * the reader over the same aliases. Without the variable nothing here runs (no server
 * can run on the CI machines); the in-process fake's specs cover the adapter there.
 */
const elasticsearchUrl = process.env['ELASTICSEARCH_URL'];

describe.runIf(elasticsearchUrl)(
  'order search on Elasticsearch (server at ELASTICSEARCH_URL)',
  () => {
    const db = useProjectionDatabase({ scope: 'test' });

    async function open(): Promise<OrderSearchHarness> {
      const client = createElasticsearchClient(elasticsearchUrl!);
      // Each harness starts from empty indexes: the aliases and their indexes are dropped first.
      await client.indices.delete({ index: 'ledger-orders-*,ledger-payments-*' });
      await ensureSearchIndexes(client);
      const projection = new OrderSearchIndexProjection(
        client,
        new AccountDirectory(db.store),
        new ParkedEventsRepository(db.pool),
      );
      const runner = db.runner([liveBinding(projection)], {
        batchSize: 500,
        retry: { maxAttempts: 3, baseDelayMs: 50, maxDelayMs: 500 },
        onFailure: 'stop',
      });
      return {
        search: new ElasticsearchOrderSearch(client),
        given: async (events) => {
          for (const { streamId, event } of events) {
            const { type, data } = encodeEvent(event);
            await db.store.appendToStream(
              streamId,
              [{ id: crypto.randomUUID(), type, data, metadata: {} }],
              { expectedRevision: 'any' },
            );
          }
          const head = await db.store.headPosition();
          await runner.catchUpTo(new Map([[ORDER_SEARCH_ELASTICSEARCH, head]]));
          const reached = (
            await new CheckpointsRepository(db.pool).ensure(ORDER_SEARCH_ELASTICSEARCH)
          ).position;
          if (comparePositions(reached, head) < 0)
            throw new Error('indexer did not reach the head');
          await client.indices.refresh({ index: 'ledger-orders,ledger-payments' });
        },
        dispose: async () => {
          await db.stopRunners();
          await client.close();
        },
      };
    }

    // At the merge: orderSearchContract('Elasticsearch (server at ELASTICSEARCH_URL)', open);
    it('opens a harness the contract suite can drive', async () => {
      const harness = await open();
      try {
        const result = await harness.search.search({ filter: {}, limit: 5 });
        expect(result.total).toBe(0);
      } finally {
        await harness.dispose();
      }
    });
  },
);
