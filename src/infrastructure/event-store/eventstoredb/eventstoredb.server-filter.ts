import {
  eventTypeFilter,
  excludeSystemEvents,
  streamNameFilter,
  type Filter,
  type Position,
} from '@eventstore/db-client';
import { type LogFilter } from '../../../event-store/event-store.port.js';

/**
 * The part of a LogFilter the server evaluates. EventStoreDB filters on event type
 * OR stream name, not both, so the event types go to the server as an anchored
 * exact-match regex (also keeping out `$`-typed system events) and the stream
 * prefixes are left to the client-side check; with only prefixes, they go to the
 * server instead; with neither, the server drops system event types.
 * `checkpointReached` fires every 32 considered events (the server's page size
 * times the interval of 1) and when the subscription catches up.
 */
export function serverSideFilter(
  filter: LogFilter | undefined,
  checkpointReached: (position: Position) => Promise<void>,
): Filter {
  const callback = {
    checkpointReached: (_: unknown, position: Position) => checkpointReached(position),
  };
  if (filter?.eventTypes?.length) {
    return eventTypeFilter({ regex: exactlyOneOf(filter.eventTypes), ...callback });
  }
  if (filter?.streamPrefixes?.length) {
    return streamNameFilter({ prefixes: [...filter.streamPrefixes], ...callback });
  }
  return excludeSystemEvents(callback);
}

/** `^(?:a|b)$` with the names escaped: valid, and equivalent, in .NET and JavaScript regex syntax. */
function exactlyOneOf(names: readonly string[]): string {
  const escaped = names.map((name) => name.replace(/[\\^$.*+?()[\]{}|-]/g, '\\$&'));
  return `^(?:${escaped.join('|')})$`;
}
