import { setTimeout as sleep } from 'node:timers/promises';
import type pg from 'pg';
import { type EventStore } from '../../infrastructure/event-store/event-store.port.js';
import {
  type Position,
  START,
  comparePositions,
  encodePosition,
} from '../../infrastructure/event-store/position.js';
import { type CheckpointsRepository } from './checkpoints.repository.js';
import { type ParkedEventsRepository } from './parked-events.repository.js';
import { type Projection, type ProjectionBinding } from './projection.js';
import { bulkLoadShadows } from './shadow-bulk-load.js';
import { type CatchUpProgress, DEFAULT_RETRY, ProjectionRunner } from './projection-runner.js';
import {
  type DeferredIndexes,
  type TableFingerprint,
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
}

/** Shadows made ready for the swap at once. */
const FINISHING_CONNECTIONS = 2;

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

function sameTarget(plans: readonly RebuildPlan[], position: Position): Map<string, Position> {
  return new Map(plans.map((plan) => [plan.shadowName, position]));
}

/**
 * Blue/green rebuild: builds shadow copies of projections' tables from the start of the
 * log while the live tables keep serving and updating, then pauses the live projectors
 * between two batches, brings each shadow to its live copy's position, compares them
 * (row counts and checksums) and swaps the copies in one transaction. A projection
 * whose parity check fails is not swapped, and its report says where they differ.
 * Several projections rebuild in one pass over the log.
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

  private async build(
    plans: readonly RebuildPlan[],
    options: RebuildOptions,
    started: number,
  ): Promise<RebuildReport[]> {
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
    const bindings: ProjectionBinding[] = plans.map((plan) => ({
      projection: plan.projection,
      checkpointName: plan.shadowName,
      tables: Object.fromEntries(plan.pairs.map(({ live, shadow: copy }) => [live, copy])),
    }));
    const shadow = new ProjectionRunner(
      bindings,
      this.store,
      this.pool,
      this.checkpoints,
      this.parked,
      { batchSize: options.batchSize, retry: DEFAULT_RETRY, onFailure: 'stop' },
    );

    let applied = 0;
    const report =
      (phase: RebuildProgress['phase']) =>
      (progress: CatchUpProgress): void => {
        const total = applied + progress.applied;
        const seconds = Math.max((Date.now() - started) / 1000, 0.001);
        options.onProgress?.({
          ...progress,
          applied: total,
          phase,
          eventsPerSecond: total / seconds,
        });
      };
    let position: Position = START;
    const head = await this.store.headPosition();
    try {
      applied += (
        await bulkLoadShadows(this.store, this.pool, this.checkpoints, bindings, {
          upTo: head,
          batchSize: options.batchSize,
          onProgress: report('loading'),
        })
      ).applied;
      position = head;
    } catch (error) {
      // Rolled back: the shadows are empty and at the start. Batch by batch, the event
      // that failed is retried and parked (and the rebuild stops) as for a live projector.
      options.log?.(
        `bulk load failed (${error instanceof Error ? error.message : String(error)}); rebuilding batch by batch`,
      );
    }
    for (let round = 0; round < MAX_CATCH_UP_ROUNDS; round++) {
      const head = await this.store.headPosition();
      if (comparePositions(position, head) >= 0) break;
      const caughtUp = await shadow.catchUpTo(sameTarget(plans, head), report('catching-up'));
      position = head;
      applied += caughtUp.applied;
    }

    // The bulk of the log is in: the shadows become what the live tables are, two at a
    // time (the table rewrites and index builds are the server's work, on its cores).
    const pending = [...deferred];
    await Promise.all(
      Array.from({ length: FINISHING_CONNECTIONS }, async () => {
        for (let next = pending.shift(); next; next = pending.shift()) {
          await this.tables.finishShadow(next);
        }
      }),
    );
    for (const plan of plans) {
      await this.waitForLive(plan.projection.name, position, options.alignTimeoutMs);
    }
    const names = plans.map((plan) => plan.projection.name).sort();
    const pause = await this.pool.connect();
    try {
      for (const name of names) await this.checkpoints.pause(pause, name);
      // The live projectors are between batches now and stay there until RESUME.
      const live = await this.checkpoints.ensureAll(names);
      const targets = new Map(
        plans.map((plan) => [plan.shadowName, live.get(plan.projection.name)!.position]),
      );
      const aligned = await shadow.catchUpTo(targets, report('aligning'));
      applied += aligned.applied;
      for (const plan of plans) {
        const reached = shadow.committedPosition(plan.shadowName)!;
        const target = targets.get(plan.shadowName)!;
        if (comparePositions(reached, target) !== 0) {
          throw new Error(
            `shadow of ${plan.projection.name} stopped at ${encodePosition(reached)}, live is at ${encodePosition(target)}`,
          );
        }
      }
      const outcomes = [];
      for (const plan of plans) outcomes.push({ plan, parity: await this.compare(plan.pairs) });
      const passing = outcomes.filter(({ parity }) => parity.every((p) => p.equal));
      if (passing.length > 0) {
        await pause.query('BEGIN');
        try {
          for (const { plan } of passing) await this.tables.swap(pause, plan.pairs);
          await pause.query('COMMIT');
        } catch (error) {
          await pause.query('ROLLBACK');
          throw error;
        }
      }
      const seconds = (Date.now() - started) / 1000;
      return outcomes.map(({ plan, parity }) => ({
        projection: plan.projection.name,
        swapped: passing.some((pass) => pass.plan === plan),
        position: encodePosition(targets.get(plan.shadowName)!),
        eventsApplied: applied,
        seconds,
        parity,
      }));
    } finally {
      for (const name of names) await this.checkpoints.resume(pause, name).catch(() => undefined);
      pause.release();
    }
  }

  /** Each live table against its shadow, the two scanned at once (the server has the cores). */
  private async compare(
    pairs: readonly { live: string; shadow: string }[],
  ): Promise<TableParity[]> {
    const parity: TableParity[] = [];
    for (const { live, shadow } of pairs) {
      const [liveFingerprint, shadowFingerprint] = await Promise.all([
        this.tables.fingerprint(live),
        this.tables.fingerprint(shadow),
      ]);
      parity.push({
        table: live,
        live: liveFingerprint,
        shadow: shadowFingerprint,
        equal:
          liveFingerprint.rows === shadowFingerprint.rows &&
          liveFingerprint.checksum === shadowFingerprint.checksum,
      });
    }
    return parity;
  }

  /** The swap needs both copies at one position: let the live projector reach the shadow first. */
  private async waitForLive(name: string, position: Position, timeoutMs: number): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (comparePositions((await this.checkpoints.ensure(name)).position, position) < 0) {
      if (Date.now() > deadline)
        throw new Error(`live projection ${name} did not reach ${encodePosition(position)}`);
      await sleep(50);
    }
  }

  /** Whatever was not swapped in is dropped (after a swap only the retired names are gone already). */
  private async cleanUp(plans: readonly RebuildPlan[]): Promise<void> {
    for (const plan of plans) {
      for (const { shadow } of plan.pairs) await this.tables.drop(shadow);
    }
    await this.pool.query('DELETE FROM ledger_projection_checkpoints WHERE projection = ANY($1)', [
      plans.map((plan) => plan.shadowName),
    ]);
  }
}
