import { Inject, Injectable } from '@nestjs/common';
import type pg from 'pg';
import { DATABASE_POOL } from '../../infrastructure/database/database.tokens.js';
import { LOG_APPENDERS_LOCK } from '../../infrastructure/database/migrations/006-appenders-horizon.migration.js';

/** The append that holds the log's readers back: they read nothing it may precede. */
export interface HorizonHold {
  /** The PostgreSQL backend running the append. */
  readonly pid: number;
  readonly database: string;
  /** When its transaction began. */
  readonly since: Date;
  readonly heldMs: number;
}

interface HoldRow {
  pid: number;
  database: string;
  since: Date;
  held_ms: number;
}

/** Who holds the PostgreSQL log's reading horizon (see migration 006): the oldest running append. */
@Injectable()
export class LogHorizonRepository {
  constructor(@Inject(DATABASE_POOL) private readonly pool: pg.Pool) {}

  /** The oldest append still running on this database; undefined when none is. */
  async oldestAppend(): Promise<HorizonHold | undefined> {
    const { rows } = await this.pool.query<HoldRow>(
      `SELECT a.pid, a.datname AS database, a.xact_start AS since,
              greatest(0, extract(epoch FROM clock_timestamp() - a.xact_start) * 1000)::float8 AS held_ms
       FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid
       WHERE l.locktype = 'advisory' AND l.granted AND l.objsubid = 2
         AND l.classid = $1 AND l.objid = $2
         AND l.database = (SELECT oid FROM pg_database WHERE datname = current_database())
       ORDER BY a.xact_start LIMIT 1`,
      [LOG_APPENDERS_LOCK.classid, LOG_APPENDERS_LOCK.objid],
    );
    const row = rows[0];
    return row && { pid: row.pid, database: row.database, since: row.since, heldMs: row.held_ms };
  }
}
