import { Inject, Injectable, Logger, type OnModuleInit, Optional } from '@nestjs/common';
import type pg from 'pg';
import { DATABASE_POOL } from '../database/database.tokens.js';
import { MetricsRegistry } from '../metrics/metrics.registry.js';
import { type ElectedWork, LeaderElection } from './leader-election.js';

/** The groups that have one active worker across processes: the advisory lock of each is named after it. */
export type LeaderGroup = 'projections' | 'search-index' | 'sagas';

/**
 * This process's elections, one per group it runs, and the `ledger_leader{group}` gauge
 * (1: leading here, 0: standing by) that tells which replica leads what.
 */
@Injectable()
export class Leaderships implements OnModuleInit {
  private readonly logger = new Logger('Leadership');
  private readonly elections = new Map<LeaderGroup, LeaderElection>();

  constructor(
    @Inject(DATABASE_POOL) private readonly pool: pg.Pool,
    @Optional() private readonly metrics?: MetricsRegistry,
  ) {}

  onModuleInit(): void {
    this.metrics?.gauge(
      {
        name: 'ledger_leader',
        help: 'Whether this process leads the group (1) or stands by (0); groups it does not run are absent',
        labelNames: ['group'],
      },
      () =>
        [...this.elections]
          .filter(([, election]) => election.contending)
          .map(([group, election]) => ({ labels: { group }, value: election.leading ? 1 : 0 })),
    );
  }

  /**
   * An election for `group` that runs `work` while this process leads it; started and
   * stopped by its owner (the work's service, on bootstrap and on shutdown).
   */
  elect(group: LeaderGroup, work: ElectedWork): LeaderElection {
    if (this.elections.has(group)) throw new Error(`An election for ${group} exists already`);
    const election = new LeaderElection(
      `ledger-leader:${group}`,
      this.pool.options,
      work,
      undefined,
      (message) => this.logger.log(message),
    );
    this.elections.set(group, election);
    return election;
  }

  /** Whether this process leads `group` now. */
  leads(group: LeaderGroup): boolean {
    return this.elections.get(group)?.leading === true;
  }
}
