import { createPool } from '../../infrastructure/database/create-pool.js';
import { openEventStore } from '../../infrastructure/event-store/open-event-store.js';
import { CheckpointsRepository } from '../engine/checkpoints.repository.js';
import { ParkedEventsRepository } from '../engine/parked-events.repository.js';
import { ProjectionRebuilder } from '../engine/projection-rebuilder.js';
import { VIEW_PROJECTIONS } from '../views/index.js';
import { type RebuildMessage, type RebuildRequest } from './rebuild-request.js';

/**
 * A rebuild's own process (see rebuild-in-child.ts): takes one RebuildRequest from the
 * app, rebuilds on connections of its own, reports back, and exits. The app holds the
 * projections' admin locks meanwhile; the live projectors pause for this process's
 * rebuild as for any other (the pause locks are the database's).
 */

/**
 * The rebuild's connections: its pause lock, the load, its page reads, the shadow
 * batches, the looks at the live projectors, the finish or the comparison.
 */
const POOL_SIZE = 6;

function send(message: RebuildMessage): Promise<void> {
  return new Promise((resolve) => {
    if (!process.connected) return resolve();
    process.send!(message, undefined, {}, () => resolve());
  });
}

async function rebuild(request: RebuildRequest): Promise<void> {
  const pool = createPool({
    connectionString: request.connectionString,
    max: POOL_SIZE,
    application_name: 'ledger-rebuild',
    ...(request.statementTimeoutMs === undefined
      ? {}
      : { statement_timeout: request.statementTimeoutMs }),
  });
  const store = openEventStore(request.eventStoreUrl, pool);
  try {
    const projections = VIEW_PROJECTIONS.filter((view) => request.names.includes(view.name));
    const rebuilder = new ProjectionRebuilder(
      store,
      pool,
      new CheckpointsRepository(pool),
      new ParkedEventsRepository(pool),
    );
    const reports = await rebuilder.rebuild(projections, {
      batchSize: request.batchSize,
      alignTimeoutMs: request.alignTimeoutMs,
      pace: request.pace,
      onProgress: (progress) => void send({ type: 'progress', progress }),
      log: (message) => void send({ type: 'log', message }),
    });
    await send({ type: 'done', reports });
  } catch (error) {
    await send({ type: 'failed', message: error instanceof Error ? error.message : String(error) });
  } finally {
    await store.close();
    await pool.end();
    process.off('disconnect', abandon);
    if (process.connected) process.disconnect();
  }
}

/** The app gone, the rebuild goes too: what it leaves, the app's next start drops. */
function abandon(): never {
  process.exit(1);
}

process.on('disconnect', abandon);
process.once('message', (request: RebuildRequest) => void rebuild(request));
