/**
 * A blue/green rebuild of every view projection in a process of its own, for crash
 * tests: it SIGKILLs itself right after its bulk load has committed a given number of
 * steps, as a process dies between two of them. Started with
 * `node --import tsx test/projections/support/rebuild-process.ts`.
 *
 * Environment:
 * - DATABASE_URL: the migrated database holding the log and the views (required).
 * - LEDGER_REBUILD_BATCH_SIZE: events per page (required).
 * - LEDGER_REBUILD_STEP_EVENTS: events per step of the bulk load (required).
 * - LEDGER_REBUILD_KILL_AFTER_STEPS: the steps committed before the kill (required).
 *
 * Prints one JSON line `{"step":k,"position":"<encoded>"}` on stdout per committed step,
 * the last one just before the kill. Exits 3 if the rebuild ends before that step.
 */
import { encodePosition } from '../../../src/event-store/position.js';
import { createPool } from '../../../src/infrastructure/database/create-pool.js';
import { PostgresEventStore } from '../../../src/infrastructure/event-store/postgres/postgres.event-store.js';
import { CheckpointsRepository } from '../../../src/projections/engine/checkpoints.repository.js';
import { ParkedEventsRepository } from '../../../src/projections/engine/parked-events.repository.js';
import { ProjectionRebuilder } from '../../../src/projections/engine/projection-rebuilder.js';
import { VIEW_PROJECTIONS } from '../../../src/projections/views/index.js';

function required(name: string): string {
  const value = process.env[name];
  if (!value) throw new Error(`${name} is required`);
  return value;
}

async function main(): Promise<void> {
  const batchSize = Number(required('LEDGER_REBUILD_BATCH_SIZE'));
  const stepEvents = Number(required('LEDGER_REBUILD_STEP_EVENTS'));
  const killAfter = Number(required('LEDGER_REBUILD_KILL_AFTER_STEPS'));
  const pool = createPool({ connectionString: required('DATABASE_URL'), max: 4 });
  const store = new PostgresEventStore(pool);
  const rebuilder = new ProjectionRebuilder(
    store,
    pool,
    new CheckpointsRepository(pool),
    new ParkedEventsRepository(pool),
  );
  await rebuilder.rebuild(VIEW_PROJECTIONS, {
    batchSize,
    alignTimeoutMs: 1_000,
    steps: { maxEvents: stepEvents, maxMs: 60_000 },
    onStep: ({ step, position }) => {
      process.stdout.write(`${JSON.stringify({ step, position: encodePosition(position) })}\n`);
      // No finally block, no cleanup: the process is gone between two steps.
      if (step >= killAfter) process.kill(process.pid, 'SIGKILL');
    },
  });
  process.exit(3);
}

main().catch((error: unknown) => {
  process.stderr.write(`[rebuild ${process.pid}] ${String(error)}\n`);
  process.exit(1);
});
