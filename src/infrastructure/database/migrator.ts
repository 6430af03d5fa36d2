import type pg from 'pg';
import { withSessionLock } from './session-lock.js';

export interface Migration {
  readonly version: number;
  readonly name: string;
  readonly sql: string;
}

// Any constant shared by all instances: concurrent starts apply migrations one at a time.
const MIGRATION_LOCK_KEY = 7_318_245_001n;

/** Applies the migrations not yet recorded, each in its own transaction, in version order. */
export async function migrate(pool: pg.Pool, migrations: readonly Migration[]): Promise<void> {
  await withSessionLock(pool, [MIGRATION_LOCK_KEY], async (session) => {
    await session.client.query(`
      CREATE TABLE IF NOT EXISTS ledger_schema_migrations (
        version integer PRIMARY KEY,
        name text NOT NULL,
        applied_at timestamptz NOT NULL DEFAULT now()
      )`);
    const applied = new Set(
      (
        await session.client.query<{ version: number }>(
          'SELECT version FROM ledger_schema_migrations',
        )
      ).rows.map((row) => row.version),
    );
    for (const migration of [...migrations].sort((a, b) => a.version - b.version)) {
      if (applied.has(migration.version)) continue;
      await session.transaction(async (client) => {
        await client.query(migration.sql);
        await client.query('INSERT INTO ledger_schema_migrations (version, name) VALUES ($1, $2)', [
          migration.version,
          migration.name,
        ]);
      });
    }
  });
}
