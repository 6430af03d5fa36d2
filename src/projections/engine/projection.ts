import type pg from 'pg';
import { type DomainEvent } from '../../events/event-catalog.js';
import { type RecordedEvent } from '../../infrastructure/event-store/event-store.port.js';

/** A decoded event with where it sits in the log and when it happened. */
export interface ProjectedEvent {
  readonly event: DomainEvent;
  readonly recorded: RecordedEvent;
}

/**
 * The physical table for each logical view table: the live table, or a shadow copy
 * while a blue/green rebuild runs.
 */
export type TableNames = Readonly<Record<string, string>>;

/**
 * A view kept asynchronously from the global log. `apply` writes one whole batch,
 * set-based (multi-row statements, not one per event), inside the transaction that
 * also moves the projection's checkpoint: a batch is applied exactly once.
 */
export interface Projection {
  readonly name: string;
  /** Logical names of the tables it owns (the keys of TableNames). */
  readonly tables: readonly string[];
  apply(
    client: pg.ClientBase,
    events: readonly ProjectedEvent[],
    tables: TableNames,
  ): Promise<void>;
}
