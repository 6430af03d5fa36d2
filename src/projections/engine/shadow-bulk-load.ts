import { setTimeout as sleep } from 'node:timers/promises';
import type pg from 'pg';
import { decodeEvent } from '../../events/event-codec.js';
import { storedTypeNames } from '../../events/event-catalog.js';
import { withTransaction } from '../../infrastructure/database/transaction.js';
import {
  type EventStore,
  type LogFilter,
  type RecordedEvent,
} from '../../event-store/event-store.port.js';
import { type Position, START, comparePositions } from '../../event-store/position.js';
import { type CheckpointsRepository } from './checkpoints.repository.js';
import { PageReader } from './page-reader.js';
import {
  type BulkLoad,
  type ProjectedEvent,
  type ProjectionBinding,
  bulkLoadOf,
} from './projection.js';
import { type CatchUpProgress } from './projection-runner.js';

/**
 * Bounds on one step of a bulk load, the one transaction that writes a stretch of the
 * log into the shadows with their checkpoints. A transaction that has written holds
 * back the server's oldest running transaction id, below which the log's readers read:
 * every reader (and live projector) waits as long as a step stays open. A step takes
 * pages while it has had fewer than `maxEvents` events and the next page, as long as
 * the last one, would end within `maxMs`; then it writes the rows it changed and
 * commits. So a step is at most a page past `maxEvents`, and past `maxMs` by its
 * writes and by how much slower its last page was than the one before. Each step
 * costs a commit and a rewrite of the rows it changed that an earlier step had
 * written: at 50,000 events (under a second at the rebuild's usual rate) that is a
 * few percent of the rebuild's time.
 */
export interface StepBounds {
  readonly maxEvents: number;
  readonly maxMs: number;
}

export const DEFAULT_STEP_BOUNDS: StepBounds = { maxEvents: 50_000, maxMs: 1_000 };

/** A step that committed: the shadows and their checkpoints are at `position`. */
export interface CommittedStep {
  /** 1 for the first step. */
  readonly step: number;
  readonly position: Position;
  /** Events applied by this and every earlier step. */
  readonly applied: number;
}

export interface BulkLoadOptions {
  readonly upTo: Position;
  readonly batchSize: number;
  readonly steps?: StepBounds;
  readonly onProgress?: (progress: CatchUpProgress) => void;
  /**
   * After each page, rest this many times as long as the page took (0 or unset: no rest).
   * A rebuild shares the CPU and the event loop with the live path it runs beside; at 1 it
   * takes about half of what it could, and the live commands and reads keep the rest.
   */
  readonly pace?: number;
  /** Called after each commit, before the next step starts. */
  readonly onStep?: (step: CommittedStep) => void | Promise<void>;
  /** Awaited after each page and its rest: where the load waits for the live path. */
  readonly giveWay?: () => Promise<void>;
}

/**
 * A step failed and rolled back: the shadows keep what the steps before it committed,
 * at `committed` (START when it was the first).
 */
export class BulkLoadFailedError extends Error {
  override readonly name = 'BulkLoadFailedError';

  constructor(
    readonly committed: Position,
    readonly applied: number,
    override readonly cause: unknown,
  ) {
    super(cause instanceof Error ? cause.message : String(cause));
  }
}

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

/** What the steps of one load share: the views' folds and the log read ahead. */
interface LoadState {
  readonly loads: readonly BulkLoad[];
  readonly reader: PageReader;
  readonly options: BulkLoadOptions;
  position: Position;
  applied: number;
  /** The log up to `upTo` is read. */
  done: boolean;
}

/**
 * Loads the shadows from the start of the log up to `upTo` in steps (see StepBounds):
 * each step folds its pages into every projection's in-memory rows, writes what changed
 * (see BulkLoad) and moves the shadows' checkpoints in the same transaction, so the
 * shadows always hold exactly the log up to their checkpoint. Nobody reads a shadow
 * yet: the commits do not wait for the WAL. An event that cannot be applied fails its
 * step, which rolls back, and the whole load (its folded rows are past the shadows
 * now): BulkLoadFailedError says where the steps before got to, and the caller goes on
 * batch by batch from there, which finds the event, retries it and parks it.
 */
export async function bulkLoadShadows(
  store: EventStore,
  pool: pg.Pool,
  checkpoints: CheckpointsRepository,
  bindings: readonly ProjectionBinding[],
  options: BulkLoadOptions,
): Promise<{ applied: number }> {
  const state: LoadState = {
    loads: bindings.map((binding) => bulkLoadOf(binding.projection, binding.tables)),
    reader: new PageReader(store, options.batchSize, readFilter(bindings)),
    options,
    position: START,
    applied: 0,
    done: false,
  };
  for (let step = 1; !state.done; step++) {
    const committed = { position: state.position, applied: state.applied };
    try {
      await withTransaction(pool, (client) => loadStep(client, state, checkpoints, bindings));
    } catch (error) {
      throw new BulkLoadFailedError(committed.position, committed.applied, error);
    }
    await options.onStep?.({ step, position: state.position, applied: state.applied });
  }
  return { applied: state.applied };
}

/** One step: pages up to the bounds or the end, the views' writes and the checkpoints. */
async function loadStep(
  client: pg.ClientBase,
  state: LoadState,
  checkpoints: CheckpointsRepository,
  bindings: readonly ProjectionBinding[],
): Promise<void> {
  const { upTo, onProgress } = state.options;
  const bounds = state.options.steps ?? DEFAULT_STEP_BOUNDS;
  await client.query('SET LOCAL synchronous_commit = off');
  const started = Date.now();
  let applied = 0;
  // At least a page a step, however tight the bounds: every step moves the load on.
  for (let within = true; within && !state.done;) {
    const pageStarted = Date.now();
    const read = await state.reader.next(state.position);
    const page = read.filter((event) => comparePositions(event.position, upTo) <= 0);
    // An empty page is the end of the log, a cut one the end of the load. (A short one
    // is no proof: a store may answer fewer than it was asked for.)
    state.done = page.length === 0 || page.length < read.length;
    if (page.length === 0) break;
    await addPage(client, state.loads, page);
    await rest(Date.now() - pageStarted, state.options.pace ?? 0);
    await state.options.giveWay?.();
    state.position = page[page.length - 1]!.position;
    applied += page.length;
    state.applied += page.length;
    onProgress?.({ applied: state.applied, position: state.position, target: upTo });
    // No page that would end past maxMs, judging by the last one's time.
    const now = Date.now();
    within = applied < bounds.maxEvents && now - started + (now - pageStarted) < bounds.maxMs;
  }
  for (const load of state.loads) await load.flush(client);
  // At the end the log up to upTo is read (the events the filter left out change no view).
  if (state.done) state.position = upTo;
  if (comparePositions(state.position, START) > 0) {
    await checkpoints.advanceAll(
      client,
      bindings.map((binding) => ({
        projection: binding.checkpointName,
        position: state.position,
        applied,
      })),
    );
  }
}

/** The rest after a page: `pace` times its time, bounded so a slow page cannot stall the load. */
const MAX_REST_MS = 1_000;

export function restAfterPageMs(pageMs: number, pace: number): number {
  return Math.min(Math.max(pageMs * pace, 0), MAX_REST_MS);
}

function rest(pageMs: number, pace: number): Promise<void> {
  const ms = restAfterPageMs(pageMs, pace);
  return ms >= 1 ? sleep(ms) : Promise.resolve();
}

async function addPage(
  client: pg.ClientBase,
  loads: readonly BulkLoad[],
  page: readonly RecordedEvent[],
): Promise<void> {
  const decoded: ProjectedEvent[] = page.map((recorded) => ({
    event: decodeEvent(recorded),
    recorded,
  }));
  for (const load of loads) await load.add(client, decoded);
}
