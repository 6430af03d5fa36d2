import { Inject, Injectable } from '@nestjs/common';
import { READ_DATABASE_POOL } from '../../infrastructure/database/database.tokens.js';
import { type ReadQueries } from '../../infrastructure/database/read-pool.js';

interface LagRow {
  lag_seconds: number | null;
}

/** How far the server the views are read from trails its primary. */
@Injectable()
export class ReplicaLagRepository {
  constructor(@Inject(READ_DATABASE_POOL) private readonly pool: ReadQueries) {}

  /**
   * Seconds since the primary committed the newest transaction this standby has replayed,
   * 0 when it has replayed all the WAL it received (an idle primary sends nothing, and
   * that is no lag); undefined when it received WAL but has replayed no transaction yet.
   */
  async lagSeconds(): Promise<number | undefined> {
    const { rows } = await this.pool.query<LagRow>(
      `SELECT CASE
                WHEN pg_last_wal_receive_lsn() IS NOT DISTINCT FROM pg_last_wal_replay_lsn() THEN 0
                ELSE greatest(0, extract(epoch FROM now() - pg_last_xact_replay_timestamp()))
              END::float8 AS lag_seconds`,
    );
    return rows[0]?.lag_seconds ?? undefined;
  }
}
