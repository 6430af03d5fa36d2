import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { inject } from 'vitest';

export interface TestDatabase {
  readonly url: string;
  drop(): Promise<void>;
}

async function withAdmin<T>(
  serverUrl: string,
  work: (client: pg.Client) => Promise<T>,
): Promise<T> {
  const client = new pg.Client({ connectionString: serverUrl });
  await client.connect();
  try {
    return await work(client);
  } finally {
    await client.end();
  }
}

const DROP_ATTEMPTS = 50;
const DROP_RETRY_MS = 100;

/**
 * Waits for the last connections to go (a pool's end() resolves before its clients have
 * closed) rather than killing them at once, then forces it.
 */
async function dropWhenUnused(client: pg.Client, name: string): Promise<void> {
  for (let attempt = 0; attempt < DROP_ATTEMPTS; attempt++) {
    try {
      await client.query(`DROP DATABASE IF EXISTS ${name}`);
      return;
    } catch {
      await new Promise((resolve) => setTimeout(resolve, DROP_RETRY_MS));
    }
  }
  await client.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
}

/** A new, empty database on the test PostgreSQL server. */
export async function createTestDatabase(
  serverUrl: string = inject('pgServerUrl'),
): Promise<TestDatabase> {
  const name = `ledger_test_${randomBytes(6).toString('hex')}`;
  await withAdmin(serverUrl, (client) => client.query(`CREATE DATABASE ${name}`));
  const url = new URL(serverUrl);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    drop: () => withAdmin(serverUrl, (client) => dropWhenUnused(client, name)),
  };
}
