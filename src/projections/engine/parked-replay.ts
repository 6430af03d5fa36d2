import type pg from 'pg';
import { decodeEvent } from '../../events/event-codec.js';
import { type EventStore, MAX_READ_COUNT } from '../../event-store/event-store.port.js';
import { withTransaction } from '../../infrastructure/database/transaction.js';
import { type ParkedEventsRepository } from './parked-events.repository.js';
import { type Projection, liveBinding } from './projection.js';

export interface ParkedReplayResult {
  readonly replayed: number;
  readonly failed: number;
}

/**
 * Applies a projection's parked events again, oldest first, each in its own transaction
 * with its mark as replayed, to the projection's live tables (or indexes). They are
 * applied out of their place in the log: the admin replays once the cause is fixed. One
 * that fails again stays parked and is counted.
 */
export async function replayParkedEvents(
  deps: { store: EventStore; pool: pg.Pool; parked: ParkedEventsRepository },
  projection: Projection,
  log: (message: string) => void,
): Promise<ParkedReplayResult> {
  let replayed = 0;
  let failed = 0;
  for (const parked of await deps.parked.list(projection.name)) {
    const recorded = (
      await deps.store.readStream(parked.streamId, { maxCount: MAX_READ_COUNT })
    ).find((event) => event.id === parked.eventId);
    if (!recorded) {
      failed++;
      continue;
    }
    try {
      await withTransaction(deps.pool, async (client) => {
        await projection.apply(
          client,
          [{ event: decodeEvent(recorded), recorded }],
          liveBinding(projection).tables,
        );
        await deps.parked.markReplayed(client, parked.id);
      });
      replayed++;
    } catch (error) {
      log(
        `replay of ${parked.eventId} into ${projection.name} failed: ${(error as Error).message}`,
      );
      failed++;
    }
  }
  return { replayed, failed };
}
