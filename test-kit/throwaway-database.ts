import { randomBytes } from 'node:crypto';
import pg from 'pg';

/** A database of its own for one test file or one benchmark run, dropped when done. */
export interface ThrowawayDatabase {
  readonly name: string;
  readonly url: string;
  drop(): Promise<void>;
}

/** Runs `work` on a connection of its own to the server's maintenance database. */
export async function withServerClient<T>(
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

/**
 * A new, empty database on the server, named `ledger_<label>_<random hex>`: the label
 * makes it recognisable in pg_stat_activity and among databases a crashed run left behind.
 */
export async function createThrowawayDatabase(
  serverUrl: string,
  label: string,
): Promise<ThrowawayDatabase> {
  if (!/^[a-z0-9_]+$/.test(label)) {
    throw new Error(`a database label is lower-case letters, digits and _: ${label}`);
  }
  const name = `ledger_${label}_${randomBytes(6).toString('hex')}`;
  await withServerClient(serverUrl, (client) => client.query(`CREATE DATABASE ${name}`));
  const url = new URL(serverUrl);
  url.pathname = `/${name}`;
  return {
    name,
    url: url.toString(),
    drop: () => withServerClient(serverUrl, (client) => dropWhenUnused(client, name)),
  };
}
