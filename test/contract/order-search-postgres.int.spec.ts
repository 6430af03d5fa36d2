import { vi } from 'vitest';
import { type Position, comparePositions } from '../../src/event-store/position.js';
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
