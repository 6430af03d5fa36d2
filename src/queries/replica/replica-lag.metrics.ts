import { Inject, Injectable, type OnModuleInit } from '@nestjs/common';
import { READ_DATABASE_POOL } from '../../infrastructure/database/database.tokens.js';
import { type ReadPool } from '../../infrastructure/database/read-pool.js';
import { MetricsRegistry } from '../../infrastructure/metrics/metrics.registry.js';
import { ReplicaLagRepository } from '../repositories/replica-lag.repository.js';

/**
 * How far behind the primary the read replica's answers are. Reads that wait for a
 * position wait about this long; past their timeout they answer `stale`.
 */
@Injectable()
export class ReplicaLagMetrics implements OnModuleInit {
  constructor(
    private readonly registry: MetricsRegistry,
    private readonly lag: ReplicaLagRepository,
    @Inject(READ_DATABASE_POOL) private readonly reads: ReadPool,
  ) {}

  onModuleInit(): void {
    // Without DATABASE_READ_URL the views are read on the primary: nothing trails.
    if (!this.reads.replica) return;
    this.registry.gauge(
      {
        name: 'ledger_read_replica_lag_seconds',
        help: 'Seconds since the primary committed the newest transaction the read replica has replayed; 0 when it has replayed all the WAL it received',
      },
      async () => {
        const seconds = await this.lag.lagSeconds();
        return seconds === undefined ? [] : [{ value: seconds }];
      },
    );
  }
}
