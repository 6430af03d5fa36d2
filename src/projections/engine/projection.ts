import type pg from 'pg';
import { type DomainEvent, type DomainEventType } from '../../events/event-catalog.js';
import { type RecordedEvent } from '../../event-store/event-store.port.js';
import { type Position, START, comparePositions } from '../../event-store/position.js';

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
  /**
   * The events `apply` looks at: a rebuild's bulk load reads only these from the log.
   * Undefined: all of them.
   */
  readonly eventTypes?: readonly DomainEventType[];
  apply(
    client: pg.ClientBase,
    events: readonly ProjectedEvent[],
    tables: TableNames,
  ): Promise<void>;
  /**
   * A rebuild's fast path into shadow tables it alone has written: rows folded in memory
   * across batches. Without it a rebuild applies batch by batch.
   */
  bulkLoad?(tables: TableNames): BulkLoad;
}

/**
 * Loads a view from the start of the log into tables that only this load writes, in
 * steps: each step is one transaction that the caller commits with the checkpoint. The
 * view's rows stay in memory across batches and steps, so folding never reads the
 * tables back: they hold exactly what earlier flushes wrote. Rows that are only ever
 * appended are written as each batch comes; the others at each flush, new ones by COPY
 * and those an earlier step wrote by an upsert that overwrites them with the folded row.
 * Memory grows with the view's rows, not with the log.
 */
export interface BulkLoad {
  /** Folds a batch and appends its new rows. */
  add(client: pg.ClientBase, events: readonly ProjectedEvent[]): Promise<void>;
  /** Writes the rows folded since the last flush: the end of a step. */
  flush(client: pg.ClientBase): Promise<void>;
}

/** The projection's own bulk load, or its batch-by-batch apply for those without one. */
export function bulkLoadOf(projection: Projection, tables: TableNames): BulkLoad {
  return (
    projection.bulkLoad?.(tables) ?? {
      add: (client, events) => projection.apply(client, events, tables),
      flush: () => Promise.resolve(),
    }
  );
}

/** A projection bound to the checkpoint it follows the log with and the tables it writes. */
export interface ProjectionBinding {
  readonly projection: Projection;
  /** The projection's own name, or a rebuild's shadow. */
  readonly checkpointName: string;
  readonly tables: TableNames;
}

/** The live tables and checkpoint of a projection. */
export function liveBinding(projection: Projection): ProjectionBinding {
  return {
    projection,
    checkpointName: projection.name,
    tables: Object.fromEntries(projection.tables.map((table) => [table, table])),
  };
}

/** A live projection serves queries: a rebuild's swap must be able to pause it. */
export function isLiveBinding(binding: ProjectionBinding): boolean {
  return binding.checkpointName === binding.projection.name;
}

export function lowestPosition(positions: readonly Position[]): Position {
  return positions.reduce((a, b) => (comparePositions(a, b) <= 0 ? a : b), positions[0] ?? START);
}
