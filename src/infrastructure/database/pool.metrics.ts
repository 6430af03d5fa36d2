import { Inject, Injectable, type OnModuleInit } from '@nestjs/common';
import type pg from 'pg';
import { MetricsRegistry } from '../metrics/metrics.registry.js';
import { DATABASE_POOL, READ_DATABASE_POOL } from './database.tokens.js';
import { type ReadPool } from './read-pool.js';

/**
 * The PostgreSQL pools' clients on /metrics: a pool with clients waiting is the first
 * sign of a database that cannot keep up (or of too small a LEDGER_DB_POOL_SIZE). The
 * application's pool is `primary`, the read replica's (DATABASE_READ_URL) `read`; another
 * long-lived pool joins with watch().
 */
@Injectable()
export class PoolMetrics implements OnModuleInit {
  private readonly pools = new Map<string, pg.Pool>();

  constructor(
    private readonly registry: MetricsRegistry,
    @Inject(DATABASE_POOL) pool: pg.Pool,
    @Inject(READ_DATABASE_POOL) reads: ReadPool,
  ) {
    this.watch('primary', pool);
    if (reads.replica) this.watch('read', reads.pool);
  }

  watch(name: string, pool: pg.Pool): void {
    this.pools.set(name, pool);
  }

  onModuleInit(): void {
    this.registry.gauge(
      {
        name: 'ledger_pg_pool_clients',
        help: 'PostgreSQL pool clients by pool and state: total (open), idle, waiting (requests queued for a client)',
        labelNames: ['pool', 'state'],
      },
      () =>
        [...this.pools].flatMap(([name, pool]) => [
          { labels: { pool: name, state: 'total' }, value: pool.totalCount },
          { labels: { pool: name, state: 'idle' }, value: pool.idleCount },
          { labels: { pool: name, state: 'waiting' }, value: pool.waitingCount },
        ]),
    );
  }
}
