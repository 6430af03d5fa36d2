/**
 * A projector process for crash tests: runs a ProjectionRunner per view projection
 * (VIEW_PROJECTIONS, live tables, checkpoints under the projections' own names) against
 * the database at DATABASE_URL until it is killed. Started with
 * `node --import tsx test/projections/support/projector-process.ts`.
 *
 * Environment:
 * - DATABASE_URL: the migrated database holding the log and the views (required).
 * - LEDGER_PROJECTION_BATCH_SIZE: events per batch (default: the production 1,000).
 *
 * Its database sessions carry application_name `ledger-crash-test-projector`.
 * Prints one JSON line `{"ready":true,...}` on stdout once every runner has started;
 * the runners' own messages go to stderr. SIGTERM stops the runners and exits 0;
 * SIGKILL is what the crash tests send.
 */
import { createPool } from '../../../src/infrastructure/database/create-pool.js';
import { PostgresEventStore } from '../../../src/infrastructure/event-store/postgres/postgres.event-store.js';
import { CheckpointsRepository } from '../../../src/projections/engine/checkpoints.repository.js';
import { ParkedEventsRepository } from '../../../src/projections/engine/parked-events.repository.js';
import {
  DEFAULT_BATCH_SIZE,
  DEFAULT_RETRY,
  ProjectionRunner,
} from '../../../src/projections/engine/projection-runner.js';
import { liveBinding } from '../../../src/projections/engine/projection.js';
import { VIEW_PROJECTIONS } from '../../../src/projections/views/index.js';

/** The application_name of the process's database sessions. */
const PROJECTOR_APPLICATION_NAME = 'ledger-crash-test-projector';

function batchSizeFromEnv(): number {
  const text = process.env['LEDGER_PROJECTION_BATCH_SIZE'];
  if (text === undefined || text === '') return DEFAULT_BATCH_SIZE;
  const size = Number(text);
  if (!Number.isInteger(size) || size < 1 || size > 10_000) {
    throw new Error(`LEDGER_PROJECTION_BATCH_SIZE must be an integer from 1 to 10000: ${text}`);
  }
  return size;
}

async function main(): Promise<void> {
  const databaseUrl = process.env['DATABASE_URL'];
  if (!databaseUrl) throw new Error('DATABASE_URL is required');
  const batchSize = batchSizeFromEnv();

  // Named, so that a test can see which of the server's sessions are this process's.
  const pool = createPool({
    connectionString: databaseUrl,
    max: 10,
    application_name: PROJECTOR_APPLICATION_NAME,
  });
  const store = new PostgresEventStore(pool, { idleRecheckMs: 200 });
  const checkpoints = new CheckpointsRepository(pool);
  const parked = new ParkedEventsRepository(pool);
  // As the app runs them: one runner for every view.
  const runner = new ProjectionRunner(
    VIEW_PROJECTIONS.map(liveBinding),
    store,
    pool,
    checkpoints,
    parked,
    {
      batchSize,
      retry: DEFAULT_RETRY,
      // The production default: a failing event stops its projector, visibly.
      onFailure: 'stop',
      log: (message) => process.stderr.write(`[projector ${process.pid}] ${message}\n`),
    },
  );

  let stopping = false;
  process.on('SIGTERM', () => {
    if (stopping) return;
    stopping = true;
    void (async () => {
      await runner.stop();
      await store.close();
      await pool.end();
      process.exit(0);
    })();
  });

  runner.start();
  process.stdout.write(`${JSON.stringify({ ready: true, pid: process.pid, batchSize })}\n`);
}

main().catch((error: unknown) => {
  process.stderr.write(`[projector ${process.pid}] failed to start: ${String(error)}\n`);
  process.exit(1);
});
