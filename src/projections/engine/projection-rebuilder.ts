import type pg from 'pg';
import { type LockedSession, withSessionLock } from '../../infrastructure/database/session-lock.js';
import { type EventStore } from '../../event-store/event-store.port.js';
import { type Position, comparePositions, encodePosition } from '../../event-store/position.js';
import { type GiveWayBounds, LiveProjectors, waitForCheckpoint } from './checkpoint-wait.js';
import { type CheckpointsRepository, pauseLockKey } from './checkpoints.repository.js';
import { type ParkedEventsRepository } from './parked-events.repository.js';
import { type Projection, type ProjectionBinding, lowestPosition } from './projection.js';
import {
  BulkLoadFailedError,
  type CommittedStep,
  type StepBounds,
  bulkLoadShadows,
} from './shadow-bulk-load.js';
import { type CatchUpProgress, DEFAULT_RETRY, ProjectionRunner } from './projection-runner.js';
import {
  type DeferredIndexes,
  type TableFingerprint,
  type TablesSnapshot,
  ViewTablesRepository,
} from './view-tables.repository.js';

export interface RebuildProgress extends CatchUpProgress {
  /** Bulk loading from the start, then batches up to the head, then up to the live copies. */
  readonly phase: 'loading' | 'catching-up' | 'aligning';
  readonly eventsPerSecond: number;
}

export interface TableParity {
  readonly table: string;
  readonly live: TableFingerprint;
  readonly shadow: TableFingerprint;
  readonly equal: boolean;
}

export interface RebuildReport {
  readonly projection: string;
  readonly swapped: boolean;
  /** The position both copies had reached when they were compared. */
  readonly position: string;
  readonly eventsApplied: number;
  readonly seconds: number;
  readonly parity: readonly TableParity[];
}

export interface RebuildOptions {
  readonly batchSize: number;
  /** Bound on waiting for the live projector to reach the shadow before the swap. */
  readonly alignTimeoutMs: number;
  readonly onProgress?: (progress: RebuildProgress) => void;
  /** Told why a bulk load gave way to batch by batch. */
  readonly log?: (message: string) => void;
  /** Bounds on each of the bulk load's transactions; DEFAULT_STEP_BOUNDS when not given. */
  readonly steps?: StepBounds;
  /** Told of each committed step of the bulk load. */
  readonly onStep?: (step: CommittedStep) => void | Promise<void>;
  /** The bulk load's rest after each page, as a multiple of the page's time (BulkLoadOptions.pace). */
  readonly pace?: number;
  /**
   * Bounds on the wait, after each page of the bulk load and each shadow finished, for
   * the live projectors to reach the head (LiveProjectors); GIVE_WAY_BOUNDS by default.
   */
  readonly giveWay?: GiveWayBounds;
}

/** Catch-up rounds before the swap; each is shorter than the one before while writes continue. */
const MAX_CATCH_UP_ROUNDS = 5;

/** A projection's live tables and their shadow copies. */
interface RebuildPlan {
  readonly projection: Projection;
  readonly shadowName: string;
  readonly pairs: readonly { readonly live: string; readonly shadow: string }[];
}

function planFor(projection: Projection): RebuildPlan {
  return {
    projection,
    shadowName: `${projection.name}#rebuild`,
    pairs: projection.tables.map((live) => ({ live, shadow: `${live}__shadow` })),
  };
}

/** Each live table against its shadow in `snapshot`, the two scanned at once. */
async function parity(
  snapshot: TablesSnapshot,
  pairs: readonly { live: string; shadow: string }[],
): Promise<TableParity[]> {
  const compared: TableParity[] = [];
  for (const { live, shadow } of pairs) {
    const [liveFingerprint, shadowFingerprint] = await snapshot.fingerprints(live, shadow);
    compared.push({
      table: live,
      live: liveFingerprint,
      shadow: shadowFingerprint,
      equal:
        liveFingerprint.rows === shadowFingerprint.rows &&
        liveFingerprint.checksum === shadowFingerprint.checksum,
    });
  }
  return compared;
}

function sameTarget(plans: readonly RebuildPlan[], position: Position): Map<string, Position> {
  return new Map(plans.map((plan) => [plan.shadowName, position]));
}

/** Events applied across a rebuild's phases, and the progress each phase reports. */
class RebuildTally {
  applied = 0;

  constructor(
    private readonly started: number,
    private readonly onProgress: RebuildOptions['onProgress'],
  ) {}

  /** A phase's progress callback: its events on top of those of the phases before it. */
  reporter(phase: RebuildProgress['phase']): (progress: CatchUpProgress) => void {
    return (progress) => {
      const total = this.applied + progress.applied;
      const seconds = Math.max((Date.now() - this.started) / 1000, 0.001);
      this.onProgress?.({ ...progress, applied: total, phase, eventsPerSecond: total / seconds });
    };
  }
}

/** What every phase of one rebuild works with. */
interface RebuildRun {
  readonly plans: readonly RebuildPlan[];
  readonly options: RebuildOptions;
  readonly started: number;
  /** Applies the log to the shadows batch by batch, under their shadow checkpoints. */
  readonly shadow: ProjectionRunner;
  /** The live projectors of the views rebuilt, which the rebuild gives way to. */
  readonly live: LiveProjectors;
  readonly tally: RebuildTally;
}

/** A projection's plan and how its shadow compared with its live tables. */
interface Outcome {
  readonly plan: RebuildPlan;
  readonly parity: TableParity[];
}

/**
 * Blue/green rebuild: builds shadow copies of projections' tables from the start of the
 * log while the live tables keep serving and updating, then compares each shadow with
 * its live copy at one position (row counts and checksums, in a snapshot taken while
 * the live projectors were paused between two batches) and swaps the copies in one
 * transaction (in a second pause, after the shadows have followed the live projectors
 * meanwhile). Each pause lasts a few batches, whatever the size of the views. A
 * projection whose parity check fails is not swapped, and its report says where they
 * differ. Several projections rebuild in one pass over the log.
 */
export class ProjectionRebuilder {
  private readonly tables: ViewTablesRepository;

  constructor(
    private readonly store: EventStore,
    private readonly pool: pg.Pool,
    private readonly checkpoints: CheckpointsRepository,
    private readonly parked: ParkedEventsRepository,
  ) {
    this.tables = new ViewTablesRepository(pool);
  }

  async rebuild(
    projections: readonly Projection[],
    options: RebuildOptions,
  ): Promise<RebuildReport[]> {
    const started = Date.now();
    const plans = projections.map(planFor);
    try {
      return await this.build(plans, options, started);
    } finally {
      await this.cleanUp(plans);
    }
  }

  /** The phases in order; the live projectors pause twice, briefly (compare, swap). */
  private async build(
    plans: readonly RebuildPlan[],
    options: RebuildOptions,
    started: number,
  ): Promise<RebuildReport[]> {
    const deferred = await this.prepare(plans);
    const run: RebuildRun = {
      plans,
      options,
      started,
      shadow: this.shadowRunner(plans, options.batchSize),
      live: new LiveProjectors(
        this.checkpoints,
        plans.map((plan) => plan.projection.name),
        options.giveWay,
      ),
      tally: new RebuildTally(started, options.onProgress),
    };
    const loaded = await this.catchUp(run, await this.load(run));
    await this.finish(run, deferred);
    await this.liveReaches(run, loaded);
    const names = plans.map((plan) => plan.projection.name).sort();
    const { targets, outcomes } = await this.compare(run, names);
    const passing = outcomes.filter(({ parity }) => parity.every((p) => p.equal));
    if (passing.length === 0) return this.reports(run, outcomes, passing, targets);
    // The live projectors went on while the copies were compared: the shadows follow them
    // up to the head, and the swap pauses them once more, for the last few batches only.
    await this.liveReaches(
      run,
      await this.catchUp(run, lowestPosition([...targets.values()]), 'aligning'),
    );
    return withSessionLock(this.pool, names.map(pauseLockKey), async (paused) => {
      await this.align(run, names);
      await this.swap(paused, passing);
      return this.reports(run, outcomes, passing, targets);
    });
  }

  /** Waits (bounded) for every live projector to reach `position`, where the shadows are. */
  private async liveReaches(run: RebuildRun, position: Position): Promise<void> {
    for (const plan of run.plans) {
      await waitForCheckpoint(
        this.checkpoints,
        plan.projection.name,
        position,
        run.options.alignTimeoutMs,
      );
    }
  }

  /**
   * Empty shadows of the live tables (their deferred indexes returned), checkpoints at
   * the start. Shadows a killed rebuild left are dropped here and loaded again from the
   * start, not resumed: they are unlogged (a server crash empties them, not their
   * checkpoint), their deferred indexes and the bulk load's folded rows went with that
   * process, and one more pass over the log is all a restart costs.
   */
  private async prepare(plans: readonly RebuildPlan[]): Promise<DeferredIndexes[]> {
    const deferred: DeferredIndexes[] = [];
    const client = await this.pool.connect();
    try {
      for (const plan of plans) {
        for (const { live, shadow } of plan.pairs) {
          deferred.push(await this.tables.createShadow(live, shadow));
        }
        await this.checkpoints.reset(client, plan.shadowName);
      }
    } finally {
      client.release();
    }
    return deferred;
  }

  private shadowRunner(plans: readonly RebuildPlan[], batchSize: number): ProjectionRunner {
    const bindings: ProjectionBinding[] = plans.map((plan) => ({
      projection: plan.projection,
      checkpointName: plan.shadowName,
      tables: Object.fromEntries(plan.pairs.map(({ live, shadow: copy }) => [live, copy])),
    }));
    return new ProjectionRunner(bindings, this.store, this.pool, this.checkpoints, this.parked, {
      batchSize,
      retry: DEFAULT_RETRY,
      onFailure: 'stop',
    });
  }

  /**
   * Phase `loading`: the bulk load up to the head, in steps. Answers the position the
   * shadows reached: the head, or where the steps before a failed one got to.
   */
  private async load(run: RebuildRun): Promise<Position> {
    const head = await this.store.headPosition();
    const { batchSize, steps, onStep, pace } = run.options;
    try {
      const loaded = await bulkLoadShadows(
        this.store,
        this.pool,
        this.checkpoints,
        run.shadow.bindings,
        {
          upTo: head,
          batchSize,
          onProgress: run.tally.reporter('loading'),
          ...(steps ? { steps } : {}),
          ...(onStep ? { onStep } : {}),
          ...(pace ? { pace } : {}),
          giveWay: () => this.giveWay(run),
        },
      );
      run.tally.applied += loaded.applied;
      return head;
    } catch (error) {
      if (!(error instanceof BulkLoadFailedError)) throw error;
      // The failed step rolled back; the shadows hold the steps before it, with their
      // checkpoints. From there, batch by batch, the event that failed is retried and
      // parked (and the rebuild stops) as for a live projector.
      run.tally.applied += error.applied;
      run.options.log?.(`bulk load failed (${error.message}); rebuilding batch by batch`);
      return error.committed;
    }
  }

  /**
   * Batch by batch up to the head, a few rounds while writes go on: phase `catching-up`
   * after the bulk load, `aligning` when following the live copies before the swap.
   */
  private async catchUp(
    run: RebuildRun,
    from: Position,
    phase: RebuildProgress['phase'] = 'catching-up',
  ): Promise<Position> {
    let position = from;
    for (let round = 0; round < MAX_CATCH_UP_ROUNDS; round++) {
      const head = await this.store.headPosition();
      if (comparePositions(position, head) >= 0) break;
      const caughtUp = await run.shadow.catchUpTo(
        sameTarget(run.plans, head),
        run.tally.reporter(phase),
        () => this.giveWay(run),
      );
      position = head;
      run.tally.applied += caughtUp.applied;
    }
    return position;
  }

  /**
   * The bulk of the log is in: the shadows become what the live tables are, one at a
   * time (the table rewrites and index builds are the server's work, on its cores: the
   * live path keeps the others), giving way to the live projectors after each.
   */
  private async finish(run: RebuildRun, deferred: readonly DeferredIndexes[]): Promise<void> {
    for (const next of deferred) {
      await this.tables.finishShadow(next);
      await this.giveWay(run);
    }
  }

  /** Waits, for a bounded time, for the live projectors to reach the log's head. */
  private async giveWay(run: RebuildRun): Promise<void> {
    await run.live.giveWay(await this.store.headPosition());
  }

  /**
   * Phase `aligning`, with the live projectors paused: each shadow to its live copy's
   * position. Answers those positions, by shadow checkpoint.
   */
  private async align(run: RebuildRun, names: readonly string[]): Promise<Map<string, Position>> {
    const live = await this.checkpoints.ensureAll(names);
    const targets = new Map(
      run.plans.map((plan) => [plan.shadowName, live.get(plan.projection.name)!.position]),
    );
    const aligned = await run.shadow.catchUpTo(targets, run.tally.reporter('aligning'));
    run.tally.applied += aligned.applied;
    for (const plan of run.plans) {
      const reached = run.shadow.committedPosition(plan.shadowName)!;
      const target = targets.get(plan.shadowName)!;
      if (comparePositions(reached, target) !== 0) {
        throw new Error(
          `shadow of ${plan.projection.name} stopped at ${encodePosition(reached)}, live is at ${encodePosition(target)}`,
        );
      }
    }
    return targets;
  }

  /**
   * Comparing, at one position: with the live projectors paused, each shadow is brought
   * to its live copy's position and a snapshot of the database is taken; the pause ends
   * there, and the copies are compared in that snapshot while the live projectors go on.
   * A checksum reads every row of a table: on a large view that is seconds, too long to
   * hold the live side still. Answers the positions compared, by shadow checkpoint.
   */
  private async compare(
    run: RebuildRun,
    names: readonly string[],
  ): Promise<{ targets: Map<string, Position>; outcomes: Outcome[] }> {
    const { targets, snapshot } = await withSessionLock(
      this.pool,
      names.map(pauseLockKey),
      async () => ({
        targets: await this.align(run, names),
        snapshot: await this.tables.snapshot(),
      }),
    );
    try {
      const outcomes: Outcome[] = [];
      for (const plan of run.plans) {
        outcomes.push({ plan, parity: await parity(snapshot, plan.pairs) });
      }
      return { targets, outcomes };
    } finally {
      await snapshot.close();
    }
  }

  /** Swapping: the shadows that match in place of their live tables, all in one transaction. */
  private async swap(paused: LockedSession, passing: readonly Outcome[]): Promise<void> {
    if (passing.length === 0) return;
    await paused.transaction(async (client) => {
      for (const { plan } of passing) await this.tables.swap(client, plan.pairs);
    });
  }

  private reports(
    run: RebuildRun,
    outcomes: readonly Outcome[],
    passing: readonly Outcome[],
    targets: ReadonlyMap<string, Position>,
  ): RebuildReport[] {
    const seconds = (Date.now() - run.started) / 1000;
    return outcomes.map(({ plan, parity }) => ({
      projection: plan.projection.name,
      swapped: passing.some((pass) => pass.plan === plan),
      position: encodePosition(targets.get(plan.shadowName)!),
      eventsApplied: run.tally.applied,
      seconds,
      parity,
    }));
  }

  /**
   * What a rebuild that never ended (its process killed) left of these projections: the
   * projections with shadow tables or a shadow checkpoint. The caller must hold their
   * admin locks (no rebuild of them running), as for a rebuild.
   */
  async abandoned(projections: readonly Projection[]): Promise<Projection[]> {
    const plans = projections.map(planFor);
    const tables = new Set(
      await this.tables.existing(plans.flatMap((plan) => plan.pairs.map((pair) => pair.shadow))),
    );
    const checkpoints = new Set(
      await this.checkpoints.existing(plans.map((plan) => plan.shadowName)),
    );
    return plans
      .filter(
        (plan) =>
          checkpoints.has(plan.shadowName) || plan.pairs.some((pair) => tables.has(pair.shadow)),
      )
      .map((plan) => plan.projection);
  }

  /** Drops what a rebuild of these projections left (see abandoned): nothing of it is live. */
  async discard(projections: readonly Projection[]): Promise<void> {
    await this.cleanUp(projections.map(planFor));
  }

  /** Whatever was not swapped in is dropped (after a swap only the retired names are gone already). */
  private async cleanUp(plans: readonly RebuildPlan[]): Promise<void> {
    for (const plan of plans) {
      for (const { shadow } of plan.pairs) await this.tables.drop(shadow);
    }
    await this.checkpoints.deleteAll(plans.map((plan) => plan.shadowName));
  }
}
