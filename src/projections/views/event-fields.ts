import { type DomainEvent, type DomainEventType } from '../../events/event-catalog.js';
import { ACCOUNT_STREAM_PREFIX } from '../../events/stream-names.js';
import { type ProjectedEvent } from '../engine/projection.js';

// What the views read off an event besides its data: time, position and stream.

/** The command's time from the metadata; the store's write time for events without it. */
export function occurredAt({ recorded }: ProjectedEvent): string {
  const value = recorded.metadata['occurredAt'];
  return typeof value === 'string' && value !== '' ? value : recorded.createdAt.toISOString();
}

export function commitPosition({ recorded }: ProjectedEvent): bigint {
  return recorded.position.commit;
}

export function preparePosition({ recorded }: ProjectedEvent): bigint {
  return recorded.position.prepare;
}

/** The account id of an `account-<id>` stream. */
export function accountIdOfStream(streamId: string): string {
  if (!streamId.startsWith(ACCOUNT_STREAM_PREFIX) || streamId === ACCOUNT_STREAM_PREFIX) {
    throw new Error(`Not an account stream: ${streamId}`);
  }
  return streamId.slice(ACCOUNT_STREAM_PREFIX.length);
}

const HOLDING_STREAM_PREFIX = 'holding-';
// Account ids are UUIDs, which contain '-': the symbol starts after the 36 characters.
const HOLDING_STREAM =
  /^holding-([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})-(.+)$/i;

/** The account and instrument of a `holding-<accountId>-<symbol>` stream. */
export function holdingOfStream(streamId: string): { accountId: string; instrument: string } {
  const match = HOLDING_STREAM.exec(streamId);
  if (!match) {
    const what = streamId.startsWith(HOLDING_STREAM_PREFIX) ? 'a malformed' : 'not a';
    throw new Error(`${streamId} is ${what} holding stream`);
  }
  return { accountId: match[1]!, instrument: match[2]! };
}

/** A type guard for some event types, which it names (a rebuild reads only those). */
export type EventGuard<E extends DomainEvent> = ((event: DomainEvent) => event is E) & {
  readonly types: readonly DomainEventType[];
};

/** A type guard for the events a projection uses, from the list of their types. */
export function eventTypes<T extends DomainEventType>(
  ...types: readonly T[]
): EventGuard<Extract<DomainEvent, { type: T }>> {
  const wanted: ReadonlySet<string> = new Set(types);
  const guard = (event: DomainEvent): event is Extract<DomainEvent, { type: T }> =>
    wanted.has(event.type);
  return Object.assign(guard, { types });
}

/** The events a guard made by eventTypes lets through. */
export type GuardedEvent<Guard> = Guard extends EventGuard<infer E> ? E : never;
