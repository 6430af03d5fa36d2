import { LedgerError } from '../shared/ledger-errors.js';
import {
  type BeforeApplicationShutdown,
  Inject,
  Injectable,
  Logger,
  type OnApplicationBootstrap,
  Optional,
} from '@nestjs/common';
import type pg from 'pg';
import { LEDGER_CONFIG, type LedgerConfig } from '../config/ledger-config.js';
import { DATABASE_POOL } from '../infrastructure/database/database.tokens.js';
import { type AdvisoryLockKey, withSessionLock } from '../infrastructure/database/session-lock.js';
import { type LeaderElection } from '../infrastructure/leadership/leader-election.js';
import { Leaderships } from '../infrastructure/leadership/leaderships.service.js';
import { CheckpointProgress } from '../event-store/checkpoint-progress.js';
import { EVENT_STORE, type EventStore } from '../event-store/event-store.port.js';
import { CheckpointsRepository } from './engine/checkpoints.repository.js';
import { type ParkedEvent, ParkedEventsRepository } from './engine/parked-events.repository.js';
import { type ParkedReplayResult, replayParkedEvents } from './engine/parked-replay.js';
import { type Projection, liveBinding } from './engine/projection.js';
import {
  type RebuildOptions,
  type RebuildReport,
  ProjectionRebuilder,
} from './engine/projection-rebuilder.js';
import { DEFAULT_RETRY, ProjectionRunner } from './engine/projection-runner.js';
import { VIEW_PROJECTIONS } from './views/index.js';
import { ProjectionBatchMetrics } from './projection-batch.metrics.js';
import { type ChildRebuild, rebuildInChild } from './rebuild-process/rebuild-in-child.js';

/** A projector with a runner of its own, run by another service (see attach). */
export interface AttachedProjector {
  readonly projection: Projection;
  /** Starts its runner again from its checkpoint (its status is already cleared). */
  restart(): Promise<void>;
}

export class UnknownProjectionError extends LedgerError {
  override readonly name = 'UnknownProjectionError';
  readonly code = 'NOT_FOUND' as const;
}

/** Another admin operation (a rebuild or a replay) holds the projection, here or in another process. */
export class ProjectionBusyError extends LedgerError {
  override readonly name = 'ProjectionBusyError';
  readonly code = 'CONCURRENCY_CONFLICT' as const;
  constructor(name: string) {
    super(
      `Another rebuild or replay of projection ${name} is running; try again when it has finished`,
    );
  }
}

/**
 * One rebuild or replay per projection at a time, across every process on the database:
 * two rebuilds would share the shadow tables, and two replays would apply the same parked
 * event twice. Session-level, on a connection held for the operation: it goes when the
 * holder's connection does.
 */
function adminLockKey(projection: string): AdvisoryLockKey {
  return `ledger-projection-admin:${projection}`;
}

/**
 * A rebuild reads the log in bigger pages than a live projector: it is after throughput,
 * and nobody waits on a shadow's position.
 */
const REBUILD_BATCH_SIZE = 5_000;

/** Bound on waiting for the live projector to reach a rebuild's shadow. */
const REBUILD_ALIGN_TIMEOUT_MS = 120_000;

/**
 * Runs this process's projectors, and the operations on them: parked events, replay,
 * blue/green rebuilds.
 */
@Injectable()
export class ProjectionsService implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly logger = new Logger('Projections');
  private readonly checkpoints: CheckpointsRepository;
  private readonly parked: ParkedEventsRepository;
  private readonly projections: Map<string, Projection>;
  /** One runner for every view: the log is read once and each batch is one transaction. */
  private readonly runner: ProjectionRunner;
  private readonly attached = new Map<string, AttachedProjector>();
  /** Rebuilds running in processes of their own, ended if this app stops first. */
  private readonly childRebuilds = new Set<ChildRebuild>();
  /** Runs the runner while this process leads the `projections` group. */
  private readonly election: LeaderElection;

  constructor(
    @Inject(EVENT_STORE) private readonly store: EventStore,
    @Inject(DATABASE_POOL) private readonly pool: pg.Pool,
    @Inject(LEDGER_CONFIG) private readonly config: LedgerConfig,
    progress: CheckpointProgress,
    leaderships: Leaderships,
    @Optional() batches?: ProjectionBatchMetrics,
  ) {
    this.checkpoints = new CheckpointsRepository(pool);
    this.parked = new ParkedEventsRepository(pool);
    this.projections = new Map(VIEW_PROJECTIONS.map((projection) => [projection.name, projection]));
    this.runner = new ProjectionRunner(
      VIEW_PROJECTIONS.map(liveBinding),
      store,
      pool,
      this.checkpoints,
      this.parked,
      {
        batchSize: config.projectionBatchSize,
        retry: DEFAULT_RETRY,
        onFailure: config.projectionOnFailure,
        onAdvanced: (checkpointName, position) => progress.advanced(checkpointName, position),
        ...(batches && { observer: batches }),
        log: (message) => this.logger.warn(message),
      },
    );
    this.election = leaderships.elect('projections', this.runner);
  }

  async onApplicationBootstrap(): Promise<void> {
    await this.discardAbandonedRebuilds();
    if (this.config.projectionsEnabled) this.election.start();
  }

  /**
   * A rebuild whose process was killed leaves its shadow tables and checkpoints (never
   * its live tables: only a finished rebuild swaps). They are dropped here, for each
   * projection no rebuild or replay holds now; a rebuild would drop them anyway and
   * start over. A failure only delays that: the app starts regardless.
   */
  private async discardAbandonedRebuilds(): Promise<void> {
    try {
      const rebuilder = this.rebuilder();
      for (const projection of await rebuilder.abandoned([...this.projections.values()])) {
        await this.exclusively([projection.name], (held) => rebuilder.discard(held)).then(
          () =>
            this.logger.warn(`dropped the shadows of an unfinished rebuild of ${projection.name}`),
          (error: unknown) => {
            if (!(error instanceof ProjectionBusyError)) throw error;
          },
        );
      }
    } catch (error) {
      this.logger.warn(`could not drop the shadows of unfinished rebuilds: ${String(error)}`);
    }
  }

  private rebuilder(): ProjectionRebuilder {
    return new ProjectionRebuilder(this.store, this.pool, this.checkpoints, this.parked);
  }

  async beforeApplicationShutdown(): Promise<void> {
    // A rebuild cut short leaves shadows only, which the next start drops.
    for (const child of this.childRebuilds) child.stop();
    await this.election.stop();
  }

  projection(name: string): Projection {
    const projection = this.projections.get(name);
    if (!projection) throw new UnknownProjectionError(`No projection named ${name}`);
    return projection;
  }

  /** A view or an attached projector: what parked events, replays and restarts accept. */
  private operable(name: string): Projection {
    return this.attached.get(name)?.projection ?? this.projection(name);
  }

  listParked(name?: string): Promise<ParkedEvent[]> {
    if (name !== undefined) this.operable(name);
    return this.parked.list(name);
  }

  /** Applies a projection's parked events again (see replayParkedEvents). */
  replayParked(name: string): Promise<ParkedReplayResult> {
    return this.exclusively(
      [name],
      ([projection]) =>
        replayParkedEvents(
          { store: this.store, pool: this.pool, parked: this.parked },
          projection!,
          (message) => this.logger.warn(message),
        ),
      (found) => this.operable(found),
    );
  }

  /** The names of every view projection, for operations on all of them. */
  get names(): string[] {
    return [...this.projections.keys()];
  }

  /**
   * Clears a stopped projector's status; its runner picks it up again from its checkpoint:
   * at once when this process leads its group, else within about two seconds on the
   * process that does (a runner looks for restarted projections while one is stopped).
   */
  async restart(name: string): Promise<void> {
    this.operable(name);
    await this.checkpoints.setStatus(name, 'running', null);
    const attached = this.attached.get(name);
    if (attached) return attached.restart();
    if (!this.election.leading) return;
    await this.runner.stop();
    // The lead may have been lost meanwhile: then the runner stays stopped.
    if (this.election.leading) this.runner.start();
  }

  /**
   * A projector with a runner of its own (the Elasticsearch indexer) joins the
   * operations on parked events and restarts, which then accept its name. Rebuilds stay
   * the views' only: such a projector has its own.
   */
  attach(projector: AttachedProjector): void {
    this.attached.set(projector.projection.name, projector);
  }

  /**
   * Rebuilds the named projections blue/green, in one pass over the log: in a process of
   * its own at LEDGER_REBUILD_NICE (rebuild-process/), or in this one when told (the CLI,
   * a process of its own already).
   */
  rebuild(
    names: readonly string[],
    onProgress?: RebuildOptions['onProgress'],
    where: { readonly inThisProcess?: boolean } = {},
  ): Promise<RebuildReport[]> {
    const options = {
      batchSize: REBUILD_BATCH_SIZE,
      alignTimeoutMs: REBUILD_ALIGN_TIMEOUT_MS,
      pace: this.config.rebuildPace,
      log: (message: string) => this.logger.warn(`rebuild of ${names.join(', ')}: ${message}`),
      ...(onProgress && { onProgress }),
    };
    return this.exclusively(names, (projections) =>
      where.inThisProcess
        ? this.rebuilder().rebuild(projections, options)
        : this.rebuildInChild(projections, options),
    );
  }

  /** A rebuild in a child process of its own (see rebuild-process/), ended if this app stops. */
  private rebuildInChild(
    projections: readonly Projection[],
    options: RebuildOptions & { readonly pace: number; readonly log: (message: string) => void },
  ): Promise<RebuildReport[]> {
    const { connectionString, statement_timeout: timeout } = this.pool.options;
    if (connectionString === undefined) throw new Error('a rebuild needs the database URL');
    const names = projections.map((projection) => projection.name);
    const { onProgress, log } = options;
    const child = rebuildInChild(
      {
        batchSize: options.batchSize,
        alignTimeoutMs: options.alignTimeoutMs,
        pace: options.pace,
        names,
        connectionString,
        statementTimeoutMs: typeof timeout === 'number' ? timeout : undefined,
        eventStoreUrl: this.config.eventStoreUrl,
      },
      { nice: this.config.rebuildNice, log, ...(onProgress && { onProgress }) },
    );
    this.logger.log(
      `rebuilding ${names.join(', ')} in process ${child.pid ?? '?'} at nice ${this.config.rebuildNice}`,
    );
    this.childRebuilds.add(child);
    return child.reports.finally(() => this.childRebuilds.delete(child));
  }

  /** Runs `work` holding the projections' admin locks, or throws ProjectionBusyError at once. */
  private async exclusively<T>(
    names: readonly string[],
    work: (projections: Projection[]) => Promise<T>,
    find: (name: string) => Projection = (name) => this.projection(name),
  ): Promise<T> {
    const unique = [...new Set(names)].sort();
    // An unknown name fails as such, before any lock.
    const projections = unique.map(find);
    return withSessionLock(this.pool, unique.map(adminLockKey), () => work(projections), {
      onBusy: (index) => new ProjectionBusyError(unique[index]!),
    });
  }
}
