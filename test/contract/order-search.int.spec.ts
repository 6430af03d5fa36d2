import { randomUUID } from 'node:crypto';
import { describe, expect, it, vi } from 'vitest';
import { accountStream, orderStream } from '../../src/events/stream-names.js';
import { accountEvents as account, orderEvents as order } from '../projections/projected-events.js';
import { liveBinding } from '../../src/projections/engine/projection.js';
import { orderSearchProjection } from '../../src/projections/views/order-search.projection.js';
import { OrderSearchRepository } from '../../src/queries/repositories/order-search.repository.js';
import { PostgresOrderSearch } from '../../src/queries/search/postgres-order-search.js';
import { useProjectionDatabase } from '../projections/projection-database.fixture.js';
import {
  type OrderSearchHarness,
  appendToLog,
  orderSearchContract,
} from './order-search.contract.js';
import { type Position, comparePositions, encodePosition } from '../../src/event-store/position.js';
import { createElasticsearchClient } from '../../src/infrastructure/elasticsearch/elasticsearch-client.js';
import { ensureSearchIndexes } from '../../src/infrastructure/elasticsearch/search-indexes.js';
import { CheckpointsRepository } from '../../src/projections/engine/checkpoints.repository.js';
import { ParkedEventsRepository } from '../../src/projections/engine/parked-events.repository.js';
import { AccountDirectory } from '../../src/projections/elasticsearch/account-directory.js';
import {
  ORDER_SEARCH_ELASTICSEARCH,
  OrderSearchIndexProjection,
} from '../../src/projections/elasticsearch/order-search-index.projection.js';
import { ElasticsearchOrderSearch } from '../../src/queries/search/elasticsearch-order-search.js';

const db = useProjectionDatabase();
const NAME = orderSearchProjection.name;

/** The view kept by a live runner, as the app keeps it; a replay is a blue/green rebuild. */
function postgresHarness(): Promise<OrderSearchHarness> {
  const runner = db.runner([liveBinding(orderSearchProjection)], {
    batchSize: 7,
    retry: { maxAttempts: 3, baseDelayMs: 1, maxDelayMs: 10 },
    onFailure: 'stop',
  });
  runner.start();
  const indexed = async (position: Position): Promise<void> => {
    await vi.waitFor(
      () => {
        const committed = runner.committedPosition(NAME);
        if (committed === undefined || comparePositions(committed, position) < 0) {
          throw new Error(`${NAME} has not reached the log's end yet`);
        }
      },
      { timeout: 30_000, interval: 20 },
    );
  };
  return Promise.resolve({
    search: new PostgresOrderSearch(new OrderSearchRepository(db.pool)),
    given: async (appends) => indexed(await appendToLog(db.store, appends)),
    replay: async () => {
      const [report] = await db.rebuilder().rebuild([orderSearchProjection], {
        batchSize: 5,
        alignTimeoutMs: 20_000,
      });
      if (!report?.swapped) throw new Error(`The rebuild did not swap: ${JSON.stringify(report)}`);
    },
    dispose: () => db.stopRunners(),
  });
}

orderSearchContract('PostgreSQL', postgresHarness);

// Regression: an order that reached the log before its account's opening (concurrent
// appends that do not keep the commands' causal order) stopped the projector, live and
// in a rebuild's catch-up ("which was never opened").
describe('an order placed before its account was opened, in the log', () => {
  it('is found by no customer until the opening, then by its customer, live and rebuilt', async () => {
    const harness = await postgresHarness();
    try {
      const accountId = randomUUID();
      const orderId = randomUUID();
      const at = '2026-03-02T09:00:00.000Z';
      const placed = order.placed(orderId, { accountId, currency: 'USD', instrument: 'AAPL' });
      await harness.given([{ streamId: orderStream(orderId), events: [placed], occurredAt: at }]);
      const mine = (customerId: string) =>
        harness.search.search({ text: orderId, filter: { customerId }, limit: 10 });
      expect((await harness.search.search({ text: orderId, filter: {}, limit: 10 })).total).toBe(1);
      expect((await mine('late-customer')).total).toBe(0);

      const opened = account.opened(accountId, 'USD', 'late-customer');
      await harness.given([
        { streamId: accountStream(accountId), events: [opened], occurredAt: at },
      ]);
      expect((await mine('late-customer')).hits.items.map((hit) => hit.customerId)).toEqual([
        'late-customer',
      ]);
      await harness.replay();
      expect((await mine('late-customer')).total).toBe(1);
    } finally {
      await harness.dispose();
    }
  });
});

/**
 * A real server, e.g. `docker compose up elasticsearch` then
 * ELASTICSEARCH_URL=http://127.0.0.1:9200: the indexer over a PostgreSQL log of its own,
 * the reader over the same aliases, through the same contract as the PostgreSQL adapter.
 * Without the variable nothing here runs (no server can run on the CI machines); the
 * in-process fake's specs (test/projections/order-search-elasticsearch.int.spec.ts) cover
 * the adapter's requests and error handling there.
 */
const elasticsearchUrl = process.env['ELASTICSEARCH_URL'];

if (elasticsearchUrl) {
  describe('order search on Elasticsearch', () => {
    // A database of its own: the contract gives each adapter a log of its own.
    const logDb = useProjectionDatabase();

    async function open(): Promise<OrderSearchHarness> {
      const client = createElasticsearchClient(elasticsearchUrl!);
      // Each harness starts from empty indexes: the aliases and their indexes are dropped first.
      await client.indices.delete({
        index: 'ledger-orders-*,ledger-payments-*',
        allow_no_indices: true,
      });
      await ensureSearchIndexes(client);
      const checkpoints = new CheckpointsRepository(logDb.pool);
      const indexTo = async (head: Position): Promise<void> => {
        const projection = new OrderSearchIndexProjection(
          client,
          new AccountDirectory(logDb.store),
          new ParkedEventsRepository(logDb.pool),
        );
        const runner = logDb.runner([liveBinding(projection)], {
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
        given: async (appends) => indexTo(await appendToLog(logDb.store, appends)),
        // The checkpoint lost: every event is delivered again to documents that hold it.
        replay: async () => {
          await checkpoints.deleteAll([ORDER_SEARCH_ELASTICSEARCH]);
          await indexTo(await logDb.store.headPosition());
        },
        dispose: async () => {
          await logDb.stopRunners();
          await client.close();
        },
      };
    }

    orderSearchContract('Elasticsearch (server at ELASTICSEARCH_URL)', open);
  });
}
