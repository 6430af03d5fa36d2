import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { type TestProject } from 'vitest/node';
import { EmbeddedPostgresServer } from '../../src/infrastructure/database/embedded-postgres.server.js';

declare module 'vitest' {
  export interface ProvidedContext {
    /** A PostgreSQL server for tests that need one: databases are created per test file. */
    pgServerUrl: string;
    pgServerKind: 'server' | 'embedded';
  }
}

const CI_SERVER = 'postgres://postgres@127.0.0.1:5432/test';

async function reachable(url: string): Promise<boolean> {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 2_000 });
  try {
    await client.connect();
    await client.query('SELECT 1');
    return true;
  } catch {
    return false;
  } finally {
    await client.end().catch(() => undefined);
  }
}

/**
 * Uses the PostgreSQL server named by TEST_DATABASE_URL, else the one on
 * 127.0.0.1:5432 when it answers, else starts an embedded one for the run: the
 * suite passes with or without a server on the machine.
 */
export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const candidate = process.env['TEST_DATABASE_URL'] ?? CI_SERVER;
  if (await reachable(candidate)) {
    project.provide('pgServerUrl', candidate);
    project.provide('pgServerKind', 'server');
    return async () => undefined;
  }
  const dataDir = await mkdtemp(join(tmpdir(), 'ledger-test-pg-'));
  const server = await EmbeddedPostgresServer.start(dataDir);
  project.provide('pgServerUrl', server.connectionString);
  project.provide('pgServerKind', 'embedded');
  return async () => {
    await server.stop();
    await rm(dataDir, { recursive: true, force: true });
  };
}
