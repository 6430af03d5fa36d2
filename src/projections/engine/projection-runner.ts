import type pg from 'pg';
import { decodeEvent } from '../../events/event-codec.js';
import { type EventStore, type RecordedEvent } from '../../event-store/event-store.port.js';
import { type Position, comparePositions, encodePosition } from '../../event-store/position.js';
import {
  type BackoffPolicy,
  backoffDelayMs,
  pause,
} from '../../infrastructure/resilience/backoff.js';
import { BackgroundLoop } from '../../infrastructure/resilience/background-loop.js';
import { withLogContext } from '../../infrastructure/logging/log-context.js';
import { correlationIdsOf, inSpan } from '../../infrastructure/telemetry/tracing.js';
import { describeError } from '../../shared/error-logging.js';
import { type CheckpointMove, type CheckpointsRepository } from './checkpoints.repository.js';
import {
  createPipelinedPool,
  settleAll,
} from '../../infrastructure/database/pipelined-connection.js';
import { assertCommitted, rollback } from '../../infrastructure/database/transaction.js';
import { type ParkedEventsRepository } from './parked-events.repository.js';
import { PageReader } from './page-reader.js';
import { batchRange, batchSpanAttributes } from './batch-telemetry.js';
import {
  type ProjectedEvent,
  type ProjectionBinding,
  isLiveBinding,
  lowestPosition,
} from './projection.js';

/** What a projector does with an event it cannot apply after its retries: park it and stop, or park it and go on. */
export type FailurePolicy = 'stop' | 'skip';

/** Told of each batch a live runner commits (see ProjectionBatchMetrics). */
export interface BatchObserver {
  batchCommitted(
    applied: readonly { checkpointName: string; events: number }[],
    seconds: number,
  ): void;
}

export interface RunnerOptions {
  readonly batchSize: number;
  readonly retry: BackoffPolicy;
  readonly onFailure: FailurePolicy;
  /** Told after each committed batch (in-process readers waiting for a position). */
  readonly onAdvanced?: (checkpointName: string, position: Position) => void;
  readonly observer?: BatchObserver;
  readonly log?: (message: string) => void;
}

export const DEFAULT_BATCH_SIZE = 1_000;
export const DEFAULT_RETRY: BackoffPolicy = { maxAttempts: 5, baseDelayMs: 100, maxDelayMs: 5_000 };
/** A caught-up projector looks at the log at least this often, whatever the wake-ups. */
const IDLE_RECHECK_MS = 1_000;
/**
 * How often a runner with stopped projections looks whether one was restarted (one
 * small query, only while one is stopped).
 */
const STOPPED_LOOK_MS = 2_000;
/**
 * The server ends a batch's transaction left idle this long between two of its statements
 * (the leader's lock session has the same bound): far above what a batch spends in
 * JavaScript between them.
 */
const BATCH_IDLE_LIMIT_MS = 10_000;

export interface CatchUpProgress {
  /** Log events read and applied so far, whatever the number of projections. */
  readonly applied: number;
  readonly position: Position;
  readonly target: Position;
}

/** Another runner moved a checkpoint: this one starts over from where they now stand. */
class CheckpointMovedError extends Error {}

/** A binding and the events of a batch past its checkpoint (and within its target). */
interface Slice {
  readonly binding: ProjectionBinding;
  readonly events: readonly RecordedEvent[];
}

/**
 * Follows the global log for a group of projections, catch-up then live, and applies
 * it in bounded batches. The log is read and decoded once for the group, and a batch is
 * applied to every projection in one transaction, with each projection's checkpoint
 * locked (which proves no other runner applied it first) and moved in it: a crash at any
 * instant neither loses nor repeats an event. Each projection keeps its own checkpoint:
 * one that starts behind the others only gets the events past its own, and one that
 * fails on an event is split off, retried alone, and parks the event by its policy.
 */
export class ProjectionRunner {
  private readonly loop: BackgroundLoop;
  /** The running pass's: retries and parking give up when it is aborted. */
  private signal: AbortSignal = new AbortController().signal;
  private readonly positions = new Map<string, Position>();
  /** The batches' own pipelined connection, open for the length of a pass. */
  private batches: pg.Pool | undefined;
  /** The bindings that are not stopped. */
  private active: ProjectionBinding[] = [];
  /** While catching up to targets: no binding applies an event past its own. */
  private targets: ReadonlyMap<string, Position> | undefined;

  constructor(
    readonly bindings: readonly ProjectionBinding[],
    private readonly store: EventStore,
    /** Where the views are: each pass opens a pipelined connection of its own to it. */
    private readonly pool: pg.Pool,
    private readonly checkpoints: CheckpointsRepository,
    private readonly parked: ParkedEventsRepository,
    private readonly options: RunnerOptions,
  ) {
    if (bindings.length === 0) throw new Error('A projection runner needs a projection');
    // The store or the database went away: start over from the checkpoints, later.
    this.loop = new BackgroundLoop(
      (signal) => this.follow(signal),
      (error) =>
        options.log?.(`${this.name}: ${describeError(error)}; resuming from the checkpoints`),
    );
  }

  get name(): string {
    return this.bindings.map((binding) => binding.checkpointName).join(', ');
  }

  /** The last position committed for a checkpoint (undefined before the runner loaded it). */
  committedPosition(checkpointName: string): Position | undefined {
    return this.positions.get(checkpointName);
  }

  start(): void {
    this.loop.start();
  }

  stop(): Promise<void> {
    return this.loop.stop();
  }

  get running(): boolean {
    return this.loop.running;
  }

  /** Loads the checkpoints; stopped projections stay out until restarted. */
  private async load(): Promise<void> {
    const stored = await this.checkpoints.ensureAll(
      this.bindings.map((binding) => binding.checkpointName),
    );
    this.active = [];
    for (const binding of this.bindings) {
      const checkpoint = stored.get(binding.checkpointName)!;
      this.positions.set(binding.checkpointName, checkpoint.position);
      if (checkpoint.status === 'stopped') {
        this.options.log?.(
          `${binding.checkpointName} is stopped: ${checkpoint.lastError ?? 'by an admin'}`,
        );
      } else {
        this.active.push(binding);
      }
    }
  }

  /** Runs a pass with the batches' connection open, and closes it after. */
  private async withBatchConnection<T>(pass: () => Promise<T>): Promise<T> {
    const batches = createPipelinedPool(this.pool.options);
    this.batches = batches;
    try {
      return await pass();
    } finally {
      this.batches = undefined;
      await batches.end();
    }
  }

  /** One pass from the stored checkpoints. False when the runner must end. */
  private follow(signal: AbortSignal): Promise<boolean> {
    this.signal = signal;
    return this.withBatchConnection(() => this.followFromCheckpoints(signal));
  }

  private async followFromCheckpoints(signal: AbortSignal): Promise<boolean> {
    await this.load();
    let stoppedLookAt = Date.now() + STOPPED_LOOK_MS;
    try {
      const reader = new PageReader(this.store, this.options.batchSize);
      while (!signal.aborted) {
        if (this.active.length < this.bindings.length && Date.now() >= stoppedLookAt) {
          // A fresh pass loads the restarted ones with the others, from their checkpoints.
          if (await this.restartedElsewhere()) return true;
          stoppedLookAt = Date.now() + STOPPED_LOOK_MS;
        }
        if (this.active.length === 0) {
          await pause(STOPPED_LOOK_MS, signal);
          continue;
        }
        // Pages read from the store keep the log's order: a push channel that repeats or
        // reorders events only wakes the projector, it never feeds it.
        const page = await reader.next(this.lowest());
        // After a batch the next read comes at once: under a steady stream of commands
        // more events are there, and asking whether there are would cost a round trip.
        if (page.length > 0) await this.handle(this.active, page);
        else await this.store.waitForEvents(this.lowest(), IDLE_RECHECK_MS, signal);
      }
      return false;
    } catch (error) {
      if (!(error instanceof CheckpointMovedError)) throw error;
      this.options.log?.(`${this.name}: ${describeError(error)}; resuming from the checkpoints`);
      return true;
    }
  }

  /**
   * Whether a projection this pass left out as stopped is stopped no more: an admin's
   * restartProjection may be served by another process (an API replica, a standby),
   * which can only clear the status.
   */
  private async restartedElsewhere(): Promise<boolean> {
    const left = this.bindings
      .filter((binding) => !this.active.includes(binding))
      .map((binding) => binding.checkpointName);
    const stillStopped = await this.checkpoints.stopped(left);
    return stillStopped.length < left.length;
  }

  private lowest(): Position {
    return lowestPosition(
      this.active.map((binding) => this.positions.get(binding.checkpointName)!),
    );
  }

  /**
   * Applies the log up to each checkpoint's target (inclusive), then returns (a
   * rebuild's shadows). Not to be mixed with start() on the same runner.
   */
  catchUpTo(
    targets: ReadonlyMap<string, Position>,
    onProgress?: (progress: CatchUpProgress) => void,
    betweenBatches?: () => Promise<void>,
  ): Promise<{ applied: number }> {
    return this.withBatchConnection(() => this.catchUpWithin(targets, onProgress, betweenBatches));
  }

  private async catchUpWithin(
    targets: ReadonlyMap<string, Position>,
    onProgress?: (progress: CatchUpProgress) => void,
    betweenBatches?: () => Promise<void>,
  ): Promise<{ applied: number }> {
    await this.load();
    const stopped = this.bindings.filter((binding) => !this.active.includes(binding));
    if (stopped.length > 0) throw new Error(`${stopped[0]!.checkpointName} is stopped`);
    const target = (binding: ProjectionBinding): Position => {
      const position = targets.get(binding.checkpointName);
      if (!position) throw new Error(`No target for ${binding.checkpointName}`);
      return position;
    };
    const behind = (): ProjectionBinding[] =>
      this.active.filter(
        (binding) =>
          comparePositions(this.positions.get(binding.checkpointName)!, target(binding)) < 0,
      );
    const highest = this.bindings
      .map(target)
      .reduce((a, b) => (comparePositions(a, b) >= 0 ? a : b));
    this.targets = targets;
    try {
      const reader = new PageReader(this.store, this.options.batchSize);
      let applied = 0;
      for (let pending = behind(); pending.length > 0; pending = behind()) {
        const after = lowestPosition(
          pending.map((binding) => this.positions.get(binding.checkpointName)!),
        );
        const page = (await reader.next(after)).filter(
          (event) => comparePositions(event.position, highest) <= 0,
        );
        if (page.length === 0) break;
        await this.handle(pending, page);
        const stoppedNow = pending.find((binding) => !this.active.includes(binding));
        if (stoppedNow) {
          throw new Error(
            `${stoppedNow.checkpointName} stopped at ${encodePosition(this.positions.get(stoppedNow.checkpointName)!)}`,
          );
        }
        applied += page.length;
        onProgress?.({ applied, position: page[page.length - 1]!.position, target: highest });
        await betweenBatches?.();
      }
      return { applied };
    } finally {
      this.targets = undefined;
    }
  }

  /** Each binding with the events past its checkpoint and within its target. */
  private slices(
    bindings: readonly ProjectionBinding[],
    events: readonly RecordedEvent[],
  ): Slice[] {
    const slices: Slice[] = [];
    for (const binding of bindings) {
      if (!this.active.includes(binding)) continue;
      const from = this.positions.get(binding.checkpointName)!;
      const upTo = this.targets?.get(binding.checkpointName);
      const mine = events.filter(
        (event) =>
          comparePositions(event.position, from) > 0 &&
          (upTo === undefined || comparePositions(event.position, upTo) <= 0),
      );
      if (mine.length > 0) slices.push({ binding, events: mine });
    }
    return slices;
  }

  /**
   * Applies the events with retries. What keeps failing is split: each projection on its
   * own, then event by event, and an event that still fails is given up on.
   */
  private async handle(
    bindings: readonly ProjectionBinding[],
    events: readonly RecordedEvent[],
  ): Promise<void> {
    const slices = this.slices(bindings, events);
    if (slices.length === 0) return;
    const error = await this.withRetries(slices);
    if (error === undefined || this.signal.aborted) return;
    if (slices.length > 1) {
      for (const { binding } of slices) await this.handle([binding], events);
      return;
    }
    const [{ binding, events: mine }] = slices as [Slice];
    if (mine.length === 1) return this.giveUp(binding, mine[0]!, error);
    for (const event of mine) await this.handle([binding], [event]);
  }

  /** Undefined on success, else the last error once the attempts are spent. */
  private async withRetries(slices: readonly Slice[]): Promise<string | undefined> {
    const { retry } = this.options;
    let lastError = '';
    for (let attempt = 1; attempt <= retry.maxAttempts; attempt++) {
      if (this.signal.aborted) return 'stopped';
      try {
        await this.applyAndAdvance(slices);
        return undefined;
      } catch (error) {
        if (error instanceof CheckpointMovedError) throw error;
        lastError = describeError(error);
        const names = slices.map((slice) => slice.binding.checkpointName).join(', ');
        this.options.log?.(
          `${names}: attempt ${attempt} failed on the batch ${batchRange(slices)}: ${lastError}`,
        );
        if (attempt < retry.maxAttempts) await pause(backoffDelayMs(retry, attempt), this.signal);
      }
    }
    return lastError;
  }

  /**
   * One batch in a span of its own: a batch holds the work of many requests, so its span
   * lists their correlation ids (tracing.ts) rather than hang under any one of them.
   */
  private applyAndAdvance(slices: readonly Slice[]): Promise<void> {
    return inSpan(
      'projection batch',
      () => batchSpanAttributes(slices),
      () => this.applyBatch(slices),
    );
  }

  private async applyBatch(slices: readonly Slice[]): Promise<void> {
    // Slices of one batch are suffixes of it: the longest is decoded once for all.
    const startedMs = performance.now();
    const longest = slices.reduce((a, b) => (b.events.length > a.events.length ? b : a)).events;
    const decoded: ProjectedEvent[] = longest.map((recorded) => ({
      event: decodeEvent(recorded),
      recorded,
    }));
    await this.pipelinedBatchTransaction(
      slices,
      (client) =>
        // Each projection writes its own tables: on the pipelined connection their
        // statements go out together. All are done before a failure rolls back.
        settleAll(
          slices.map(({ binding, events }) =>
            binding.projection.apply(
              client,
              decoded.slice(decoded.length - events.length),
              binding.tables,
            ),
          ),
        ),
      slices.map(({ binding, events }) => ({
        projection: binding.checkpointName,
        position: events[events.length - 1]!.position,
        applied: events.length,
      })),
    );
    this.options.observer?.batchCommitted(
      slices.map(({ binding, events }) => ({
        checkpointName: binding.checkpointName,
        events: events.length,
      })),
      (performance.now() - startedMs) / 1_000,
    );
    for (const { binding, events } of slices) {
      this.committed(binding, events[events.length - 1]!.position);
    }
  }

  /** Parks the event; with 'skip' the checkpoint moves past it, with 'stop' the projection stops. */
  private async giveUp(
    binding: ProjectionBinding,
    event: RecordedEvent,
    error: string,
  ): Promise<void> {
    if (this.signal.aborted) return;
    const attempts = this.options.retry.maxAttempts;
    const skip = this.options.onFailure === 'skip';
    const name = binding.checkpointName;
    await this.pipelinedBatchTransaction(
      [{ binding, events: [event] }],
      (client) => this.parked.park(client, binding.projection.name, event, error, attempts),
      skip ? [{ projection: name, position: event.position, applied: 0 }] : [],
    );
    if (skip) {
      this.committed(binding, event.position);
      return;
    }
    await this.checkpoints.setStatus(
      name,
      'stopped',
      `event ${event.id} at ${encodePosition(event.position)}: ${error}`,
    );
    this.active = this.active.filter((other) => other !== binding);
    // The one event it came down to: its line carries that event's correlation id.
    withLogContext(correlationIdsOf([event])[0], () =>
      this.options.log?.(
        `${name}: stopped at ${encodePosition(event.position)} after ${attempts} attempts`,
      ),
    );
  }

  /**
   * Runs `work` in a transaction that proves the slices' checkpoints are where this
   * runner left them, and then makes `moves`. Not withTransaction: on the pipelined
   * connection, BEGIN and the checkpoint locks go out with the work's first statements,
   * and the moves with COMMIT, so a batch whose views each read, then write, costs three
   * round trips. (The work used to wait for the locks' answer: one round trip more, and
   * at 500 commands a second each round trip of the projector waited several
   * milliseconds for the event loop.)
   */
  private async pipelinedBatchTransaction(
    slices: readonly Slice[],
    work: (client: pg.PoolClient) => Promise<unknown>,
    moves: readonly CheckpointMove[],
  ): Promise<void> {
    if (!this.batches) throw new Error(`${this.name}: a batch outside a pass`);
    const client = await this.batches.connect();
    let broken: Error | undefined;
    try {
      const live = slices.filter(({ binding }) => isLiveBinding(binding));
      const names = slices.map(({ binding }) => binding.checkpointName);
      // Sent in the order issued: BEGIN first, the work last. The work's statements queue
      // behind the checkpoint locks on the one connection, so they run only once the
      // checkpoints are this runner's; if one turns out moved, all of it is rolled back.
      const locked = Promise.all([
        client.query('BEGIN'),
        // No wait for the WAL flush, live or shadow: a view is derived from the log. A
        // server crash can only lose the last batches and their checkpoint together, never
        // one without the other; the projector applies them again from the checkpoint, and
        // a consistent read waits for that (the checkpoint it waits on went back with them).
        client.query('SET LOCAL synchronous_commit = off'),
        // A process frozen inside a batch (stopped, or its machine paused) would hold the
        // checkpoint rows, and so every other runner, until it woke: the server ends such
        // a batch instead, and the projector's new leader goes on from the checkpoint.
        client.query(`SET LOCAL idle_in_transaction_session_timeout = ${BATCH_IDLE_LIMIT_MS}`),
        this.checkpoints.lockAll(
          client,
          names,
          live.map(({ binding }) => binding.checkpointName),
        ),
      ]);
      // Both settle before anything else is sent (see settleAll).
      const [locking, working] = await Promise.allSettled([locked, work(client)]);
      if (locking.status === 'rejected') throw locking.reason;
      const current = locking.value[3];
      // Before the work's outcome: work that failed on another runner's rows is not this
      // batch's failure, and must not count against its events.
      for (const name of names) {
        const stored = current.get(name);
        if (!stored || comparePositions(stored.position, this.positions.get(name)!) !== 0) {
          throw new CheckpointMovedError(`the checkpoint of ${name} was moved by another runner`);
        }
      }
      if (working.status === 'rejected') throw working.reason;
      // Sent in the order issued: the moves, then COMMIT.
      const [, committed] = await Promise.all([
        moves.length > 0 ? this.checkpoints.advanceAll(client, moves) : undefined,
        client.query('COMMIT'),
      ]);
      assertCommitted(committed);
    } catch (error) {
      broken = await rollback(client);
      throw error;
    } finally {
      client.release(broken);
    }
  }

  private committed(binding: ProjectionBinding, position: Position): void {
    this.positions.set(binding.checkpointName, position);
    this.options.onAdvanced?.(binding.checkpointName, position);
  }
}
