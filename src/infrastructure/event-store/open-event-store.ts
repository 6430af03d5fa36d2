import type pg from 'pg';
import { type EventStore } from '../../event-store/event-store.port.js';
import { EventStoreDbEventStore } from './eventstoredb/eventstoredb.event-store.js';
import { PostgresEventStore } from './postgres/postgres.event-store.js';

/**
 * The event store a process works on: EventStoreDB when given its connection string,
 * else the log in PostgreSQL on `pool`. The app's module and a rebuild's own process
 * open it the same way.
 */
export function openEventStore(eventStoreUrl: string | undefined, pool: pg.Pool): EventStore {
  return eventStoreUrl === undefined
    ? new PostgresEventStore(pool)
    : EventStoreDbEventStore.fromConnectionString(eventStoreUrl);
}
