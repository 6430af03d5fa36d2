import type pg from 'pg';
import { inject } from 'vitest';
import { createPool } from '../../src/infrastructure/database/create-pool.js';
import { migrate } from '../../src/infrastructure/database/migrator.js';
import { MIGRATIONS } from '../../src/infrastructure/database/migrations/index.js';
import {
  type ThrowawayDatabase,
  createThrowawayDatabase,
} from '../../test-kit/throwaway-database.js';
import { type FixtureScope, useFixture } from './vitest-fixture.js';

export type TestDatabase = ThrowawayDatabase;

/** A new, empty database on the test PostgreSQL server. */
export function createTestDatabase(
  serverUrl: string = inject('pgServerUrl'),
): Promise<TestDatabase> {
  return createThrowawayDatabase(serverUrl, 'test');
}

/** A database with every migration applied, and a pool on it. */
export interface MigratedDatabase {
  readonly url: string;
  readonly pool: pg.Pool;
}

export interface MigratedDatabaseOptions {
  readonly scope?: FixtureScope;
  /** Connections of the pool. */
  readonly poolSize?: number;
}

export async function openMigratedDatabase(
  poolSize: number,
): Promise<MigratedDatabase & { close(): Promise<void> }> {
  const database = await createTestDatabase();
  const pool = createPool({ connectionString: database.url, max: poolSize });
  const close = async (): Promise<void> => {
    await pool.end();
    await database.drop();
  };
  try {
    await migrate(pool, MIGRATIONS);
  } catch (error) {
    await close();
    throw error;
  }
  return { url: database.url, pool, close };
}

/** A migrated database of the spec file's own (or each test's, with scope 'test'). */
export function useMigratedDatabase(options: MigratedDatabaseOptions = {}): MigratedDatabase {
  const current = useFixture(
    options.scope ?? 'file',
    () => openMigratedDatabase(options.poolSize ?? 4),
    (database) => database.close(),
  );
  return {
    get url() {
      return current().url;
    },
    get pool() {
      return current().pool;
    },
  };
}
