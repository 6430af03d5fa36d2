import { Global, Inject, Module, type OnApplicationShutdown } from '@nestjs/common';
import type pg from 'pg';
import { LEDGER_CONFIG, type LedgerConfig } from '../../config/ledger-config.js';
import { createPool } from './create-pool.js';
import { DATABASE_POOL, READ_DATABASE_POOL } from './database.tokens.js';
import { EmbeddedPostgresServer } from './embedded-postgres.server.js';
import { migrate } from './migrator.js';
import { MIGRATIONS } from './migrations/index.js';
import { ReadPool } from './read-pool.js';
import { PoolMetrics } from './pool.metrics.js';

const EMBEDDED_SERVER = Symbol('EMBEDDED_SERVER');

/** Bounded waits on the database: no request hangs on a stuck connection or query. */
const CONNECTION_TIMEOUT_MS = 10_000;
const STATEMENT_TIMEOUT_MS = 30_000;

@Global()
@Module({
  providers: [
    {
      provide: EMBEDDED_SERVER,
      inject: [LEDGER_CONFIG],
      useFactory: (config: LedgerConfig) =>
        config.databaseUrl === undefined ? EmbeddedPostgresServer.start(config.dataDir) : undefined,
    },
    {
      provide: DATABASE_POOL,
      inject: [LEDGER_CONFIG, EMBEDDED_SERVER],
      useFactory: async (config: LedgerConfig, embedded: EmbeddedPostgresServer | undefined) => {
        const pool = createPool({
          connectionString: config.databaseUrl ?? embedded!.connectionString,
          max: config.databasePoolSize,
          connectionTimeoutMillis: CONNECTION_TIMEOUT_MS,
          statement_timeout: STATEMENT_TIMEOUT_MS,
        });
        await migrate(pool, MIGRATIONS);
        return pool;
      },
    },
    {
      provide: READ_DATABASE_POOL,
      inject: [LEDGER_CONFIG, DATABASE_POOL],
      useFactory: (config: LedgerConfig, primary: pg.Pool) => {
        const url = config.readReplica.url;
        if (url === undefined) return new ReadPool(primary, false);
        // No migrations here: a standby refuses writes and replays the primary's.
        const replica = createPool({
          connectionString: url,
          max: config.databasePoolSize,
          connectionTimeoutMillis: CONNECTION_TIMEOUT_MS,
          statement_timeout: STATEMENT_TIMEOUT_MS,
          application_name: 'ledger-read',
        });
        return new ReadPool(replica, true);
      },
    },
    PoolMetrics,
  ],
  exports: [DATABASE_POOL, READ_DATABASE_POOL, PoolMetrics],
})
export class DatabaseModule implements OnApplicationShutdown {
  constructor(
    @Inject(DATABASE_POOL) private readonly pool: pg.Pool,
    @Inject(READ_DATABASE_POOL) private readonly reads: ReadPool,
    @Inject(EMBEDDED_SERVER) private readonly embedded: EmbeddedPostgresServer | undefined,
  ) {}

  async onApplicationShutdown(): Promise<void> {
    if (this.reads.pool !== this.pool) await this.reads.pool.end();
    await this.pool.end();
    await this.embedded?.stop();
  }
}
