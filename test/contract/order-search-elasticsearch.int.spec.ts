import { describe } from 'vitest';
import { type Position, comparePositions, encodePosition } from '../../src/event-store/position.js';
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
import { useProjectionDatabase } from '../projections/projection-database.fixture.js';
import {
  type OrderSearchHarness,
  appendToLog,
  orderSearchContract,
} from './order-search.contract.js';

/**
 * A real server, e.g. `docker compose up elasticsearch` then
 * ELASTICSEARCH_URL=http://127.0.0.1:9200: the indexer over a PostgreSQL log of its own,
 * the reader over the same aliases, through the same contract as the PostgreSQL adapter.
 * Without the variable nothing here runs (no server can run on the CI machines); the
 * in-process fake's specs (test/projections/order-search-elasticsearch.int.spec.ts) cover
 * the adapter's requests and error handling there.
 */
const elasticsearchUrl = process.env['ELASTICSEARCH_URL'];

describe.runIf(elasticsearchUrl)('order search on Elasticsearch', () => {
  const db = useProjectionDatabase();

  async function open(): Promise<OrderSearchHarness> {
    const client = createElasticsearchClient(elasticsearchUrl!);
    // Each harness starts from empty indexes: the aliases and their indexes are dropped first.
    await client.indices.delete({
      index: 'ledger-orders-*,ledger-payments-*',
      allow_no_indices: true,
    });
    await ensureSearchIndexes(client);
    const checkpoints = new CheckpointsRepository(db.pool);
    const indexTo = async (head: Position): Promise<void> => {
      const projection = new OrderSearchIndexProjection(
        client,
        new AccountDirectory(db.store),
        new ParkedEventsRepository(db.pool),
      );
      const runner = db.runner([liveBinding(projection)], {
        batchSize: 7,
        retry: { maxAttempts: 3, baseDelayMs: 50, maxDelayMs: 500 },
        onFailure: 'stop',
      });
      await runner.catchUpTo(new Map([[ORDER_SEARCH_ELASTICSEARCH, head]]));
      const reached = (await checkpoints.ensure(ORDER_SEARCH_ELASTICSEARCH)).position;
      if (comparePositions(reached, head) < 0) {
        throw new Error(`The indexer stopped at ${encodePosition(reached)}`);
      }
      await client.indices.refresh({ index: 'ledger-orders,ledger-payments' });
    };
    return {
      search: new ElasticsearchOrderSearch(client),
      given: async (appends) => indexTo(await appendToLog(db.store, appends)),
      // The checkpoint lost: every event is delivered again to documents that hold it.
      replay: async () => {
        await checkpoints.deleteAll([ORDER_SEARCH_ELASTICSEARCH]);
        await indexTo(await db.store.headPosition());
      },
      dispose: async () => {
        await db.stopRunners();
        await client.close();
      },
    };
  }

  orderSearchContract('Elasticsearch (server at ELASTICSEARCH_URL)', open);
});
