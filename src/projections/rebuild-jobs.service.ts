import { Inject, Injectable, Logger } from '@nestjs/common';
import type pg from 'pg';
import { Subject } from 'rxjs';
import { LEDGER_CONFIG, type LedgerConfig } from '../config/ledger-config.js';
import { DATABASE_POOL } from '../infrastructure/database/database.tokens.js';
import { estimateLogEvents } from './engine/log-size.repository.js';
import { type RebuildProgress } from './engine/projection-rebuilder.js';
import { ProjectionBusyError, ProjectionsService } from './projections.service.js';

/** A rebuild started from the admin UI, as it runs and as it ended. */
export interface RebuildJob {
  readonly projection: string;
  readonly state: 'RUNNING' | 'DONE' | 'FAILED';
  /** `starting`, then the rebuilder's phases (loading, catching-up, aligning), then `done`. */
  readonly phase: string;
  readonly applied: number;
  /** About how many events the log holds; undefined when the store cannot tell. */
  readonly total: number | undefined;
  readonly eventsPerSecond: number;
  readonly startedAt: Date;
  readonly finishedAt: Date | undefined;
  /** Whether the rebuilt copy replaced the live one (its parity check passed). */
  readonly swapped: boolean | undefined;
  readonly error: string | undefined;
}

/** Progress is published at most this often: a page needs no more, a fast rebuild sends thousands. */
const PUBLISH_EVERY_MS = 250;

/**
 * Rebuilds that run in the background of this process, each announced on `changes` as it
 * moves (the admin UI's live progress). The rebuild itself is ProjectionsService's:
 * blue/green, under the projection's admin lock, whichever process asked.
 */
@Injectable()
export class RebuildJobs {
  private readonly logger = new Logger('RebuildJobs');
  private readonly jobs = new Map<string, RebuildJob>();
  readonly changes = new Subject<RebuildJob>();

  constructor(
    private readonly projections: ProjectionsService,
    @Inject(DATABASE_POOL) private readonly pool: pg.Pool,
    @Inject(LEDGER_CONFIG) private readonly config: LedgerConfig,
  ) {}

  /** The latest job of each projection, running or ended, by name. */
  list(): RebuildJob[] {
    return [...this.jobs.values()].sort((a, b) => a.projection.localeCompare(b.projection));
  }

  /** Starts a rebuild and answers at once; unknown names and a running job are refused. */
  async start(name: string): Promise<RebuildJob> {
    this.projections.projection(name);
    if (this.jobs.get(name)?.state === 'RUNNING') throw new ProjectionBusyError(name);
    const total =
      this.config.eventStoreUrl === undefined ? await estimateLogEvents(this.pool) : undefined;
    const job: RebuildJob = {
      projection: name,
      state: 'RUNNING',
      phase: 'starting',
      applied: 0,
      total,
      eventsPerSecond: 0,
      startedAt: new Date(),
      finishedAt: undefined,
      swapped: undefined,
      error: undefined,
    };
    this.publish(job);
    void this.run(job);
    return job;
  }

  private async run(job: RebuildJob): Promise<void> {
    let publishedAt = 0;
    const onProgress = (progress: RebuildProgress) => {
      const now = Date.now();
      if (now - publishedAt < PUBLISH_EVERY_MS) return;
      publishedAt = now;
      const { phase, applied, eventsPerSecond } = progress;
      this.publish({ ...job, phase, applied, eventsPerSecond });
    };
    try {
      const [report] = await this.projections.rebuild([job.projection], onProgress);
      const { eventsApplied, seconds, swapped } = report!;
      const eventsPerSecond = seconds > 0 ? eventsApplied / seconds : eventsApplied;
      this.end(job, { state: 'DONE', applied: eventsApplied, eventsPerSecond, swapped });
    } catch (error) {
      this.logger.warn(`rebuild of ${job.projection} failed: ${String(error)}`);
      this.end(job, { state: 'FAILED', error: (error as Error).message });
    }
  }

  private end(job: RebuildJob, outcome: Partial<RebuildJob>): void {
    const last = this.jobs.get(job.projection) ?? job;
    this.publish({ ...last, phase: 'done', finishedAt: new Date(), ...outcome });
  }

  private publish(job: RebuildJob): void {
    this.jobs.set(job.projection, job);
    this.changes.next(job);
  }
}
