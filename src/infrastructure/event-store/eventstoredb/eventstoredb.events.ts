import { jsonEvent, type EventData, type Position as ClientPosition } from '@eventstore/db-client';
import {
  type EventToAppend,
  type JsonObject,
  type LogFilter,
  type RecordedEvent,
} from '../../../event-store/event-store.port.js';
import { type Position } from '../../../event-store/position.js';

/** The fields this adapter reads from the client's recorded events (JSON or binary). */
export interface ClientRecordedEvent {
  readonly streamId: string;
  readonly id: string;
  readonly revision: bigint;
  readonly type: string;
  readonly created: Date;
  readonly data: unknown;
  readonly metadata: unknown;
  readonly position?: ClientPosition;
}

export function toEventData(event: EventToAppend): EventData {
  // Explicit ids: idempotent appends and the fallback lookup both key on them.
  return jsonEvent({ id: event.id, type: event.type, data: event.data, metadata: event.metadata });
}

export function positionOf(event: ClientRecordedEvent): Position {
  if (!event.position) {
    // Servers from 20.6 on send positions with every event; older ones are unsupported.
    throw new Error(`EventStoreDB sent event ${event.id} of ${event.streamId} without a position`);
  }
  return { commit: event.position.commit, prepare: event.position.prepare };
}

export function toRecordedEvent(event: ClientRecordedEvent): RecordedEvent {
  return {
    id: event.id,
    type: event.type,
    streamId: event.streamId,
    revision: event.revision,
    position: positionOf(event),
    data: jsonObject(event.data, event, 'data'),
    // The client hands back undefined for an empty metadata payload.
    metadata: event.metadata === undefined ? {} : jsonObject(event.metadata, event, 'metadata'),
    createdAt: event.created,
  };
}

function jsonObject(value: unknown, event: ClientRecordedEvent, field: string): JsonObject {
  if (
    typeof value === 'object' &&
    value !== null &&
    !Array.isArray(value) &&
    !(value instanceof Uint8Array)
  ) {
    // The client parsed it from JSON text, so every value in it is JSON.
    return value as JsonObject;
  }
  throw new TypeError(
    `Event ${event.id} in ${event.streamId} has ${field} that is not a JSON object; this store only reads JSON events`,
  );
}

/** EventStoreDB's own events: `$`-prefixed types ($metadata, $>, $statsCollected...) or streams ($stats-..., $$...). */
export function isSystemEvent(event: {
  readonly type: string;
  readonly streamId: string;
}): boolean {
  return event.type.startsWith('$') || event.streamId.startsWith('$');
}

/** The port's LogFilter: an absent list admits everything, an empty list admits nothing. */
export function matchesLogFilter(
  event: { readonly type: string; readonly streamId: string },
  filter: LogFilter | undefined,
): boolean {
  if (isSystemEvent(event)) return false;
  if (filter?.eventTypes && !filter.eventTypes.includes(event.type)) return false;
  if (filter?.streamPrefixes && !filter.streamPrefixes.some((p) => event.streamId.startsWith(p))) {
    return false;
  }
  return true;
}

/** An empty list in a LogFilter admits nothing (as in the PostgreSQL adapter). */
export function admitsNothing(filter: LogFilter | undefined): boolean {
  return filter?.eventTypes?.length === 0 || filter?.streamPrefixes?.length === 0;
}
