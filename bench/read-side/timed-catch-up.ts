import { performance } from 'node:perf_hooks';
import type pg from 'pg';
import { type Position, comparePositions, encodePosition } from '../../src/event-store/position.js';
import { type PostgresEventStore } from '../../src/infrastructure/event-store/postgres/postgres.event-store.js';
import { CheckpointsRepository } from '../../src/projections/engine/checkpoints.repository.js';
import { ParkedEventsRepository } from '../../src/projections/engine/parked-events.repository.js';
import { type Projection, liveBinding } from '../../src/projections/engine/projection.js';
import { DEFAULT_RETRY, ProjectionRunner } from '../../src/projections/engine/projection-runner.js';
import { VerificationError, log } from '../bench-session.js';

export interface ProjectionTiming {
  readonly projection: string;
  readonly seconds: number;
  readonly applied: number;
  readonly eventsPerSecond: number;
}

/**
 * Projections, in one runner (one pass over the log, as the app runs them), from their
 * checkpoints to `head`, timed; a projection that stops short of the head fails the run.
 * The rate is over the log's `events`: every projection reads every event.
 */
export async function timedCatchUp(
  pool: pg.Pool,
  store: PostgresEventStore,
  projections: readonly Projection[],
  head: Position,
  batchSize: number,
  events: number,
): Promise<ProjectionTiming> {
  const bindings = projections.map(liveBinding);
  const runner = new ProjectionRunner(
    bindings,
    store,
    pool,
    new CheckpointsRepository(pool),
    new ParkedEventsRepository(pool),
    { batchSize, retry: DEFAULT_RETRY, onFailure: 'stop', log: (message) => log(`    ${message}`) },
  );
  const started = performance.now();
  const { applied } = await runner.catchUpTo(
    new Map(bindings.map((binding) => [binding.checkpointName, head])),
  );
  const seconds = (performance.now() - started) / 1_000;
  for (const { checkpointName } of bindings) {
    const position = runner.committedPosition(checkpointName)!;
    if (comparePositions(position, head) !== 0) {
      throw new VerificationError(
        `${checkpointName} stopped at ${encodePosition(position)}, the head is ${encodePosition(head)}`,
      );
    }
  }
  const name = projections.map((projection) => projection.name).join(' + ');
  return { projection: name, seconds, applied, eventsPerSecond: events / seconds };
}
