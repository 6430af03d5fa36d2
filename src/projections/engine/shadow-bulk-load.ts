import type pg from 'pg';
import { decodeEvent } from '../../events/event-codec.js';
import { storedTypeNames } from '../../events/event-catalog.js';
import { withTransaction } from '../../infrastructure/database/transaction.js';
import { type EventStore, type LogFilter } from '../../event-store/event-store.port.js';
import { type Position, START, comparePositions } from '../../event-store/position.js';
import { type CheckpointsRepository } from './checkpoints.repository.js';
import { PageReader } from './page-reader.js';
import { type ProjectedEvent, type ProjectionBinding, bulkLoadOf } from './projection.js';
import { type CatchUpProgress } from './projection-runner.js';

/**
 * Only the events some projection looks at, when each says which those are: in a
 * trading log most events are the saga's and the order bookkeeping's, which no view
 * needs, and never decoding them is the cheapest way through.
 */
function readFilter(bindings: readonly ProjectionBinding[]): LogFilter | undefined {
  const types = new Set<string>();
  for (const { projection } of bindings) {
    if (projection.eventTypes === undefined) return undefined;
    for (const type of projection.eventTypes)
      for (const name of storedTypeNames(type)) types.add(name);
  }
  return { eventTypes: [...types] };
}

/**
 * Loads empty shadows from the start of the log up to `upTo` in one transaction: every
 * projection folds the pages in memory (see BulkLoad) and the shadows' rows commit
 * together with their checkpoints, so a crash leaves the shadows empty and at the start,
 * never half-loaded. Nobody reads a shadow yet: the commit does not wait for the WAL.
 * An event that cannot be applied fails the whole load; the caller then takes the
 * batch-by-batch path, which finds the event, retries it and parks it.
 */
export async function bulkLoadShadows(
  store: EventStore,
  pool: pg.Pool,
  checkpoints: CheckpointsRepository,
  bindings: readonly ProjectionBinding[],
  options: {
    readonly upTo: Position;
    readonly batchSize: number;
    readonly onProgress?: (progress: CatchUpProgress) => void;
  },
): Promise<{ applied: number }> {
  const { upTo, batchSize, onProgress } = options;
  return withTransaction(pool, async (client) => {
    await client.query('SET LOCAL synchronous_commit = off');
    const loads = bindings.map((binding) => bulkLoadOf(binding.projection, binding.tables));
    const reader = new PageReader(store, batchSize, readFilter(bindings));
    let position = START;
    let applied = 0;
    for (;;) {
      const page = (await reader.next(position)).filter(
        (event) => comparePositions(event.position, upTo) <= 0,
      );
      if (page.length === 0) break;
      const decoded: ProjectedEvent[] = page.map((recorded) => ({
        event: decodeEvent(recorded),
        recorded,
      }));
      for (const load of loads) await load.add(client, decoded);
      position = page[page.length - 1]!.position;
      applied += page.length;
      onProgress?.({ applied, position, target: upTo });
    }
    for (const load of loads) await load.finish(client);
    // The log up to upTo is read (the events the filter left out change no view here).
    if (comparePositions(upTo, START) > 0) {
      await checkpoints.advanceAll(
        client,
        bindings.map((binding) => ({
          projection: binding.checkpointName,
          position: upTo,
          applied,
        })),
      );
    }
    return { applied };
  });
}
