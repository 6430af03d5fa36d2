import pg from 'pg';
import { withServerClient } from '../test-kit/throwaway-database.js';

/**
 * Emmett's driver (dumbo) re-registers the int8, json and jsonb parsers on the
 * process-wide `pg` module the first time an Emmett store is created (int8 to BigInt,
 * JSON through a reviver). Our store runs in production with pg's stock parsers, so its
 * pool gets private copies of them, taken when this module loads: before any Emmett
 * store exists.
 */
const PARSERS_EMMETT_REPLACES = [20, 114, 3802];
const stockParsers = new Map(
  PARSERS_EMMETT_REPLACES.map((oid) => [oid, pg.types.getTypeParser(oid, 'text')] as const),
);
const STOCK_TYPES: pg.CustomTypesConfig = {
  getTypeParser: ((oid: number, format?: 'text' | 'binary') =>
    (format !== 'binary' ? stockParsers.get(oid) : undefined) ??
    pg.types.getTypeParser(oid, format)) as typeof pg.types.getTypeParser,
};

/** Every system gets a pool of the same size, so no one wins by holding more connections. */
export function createPool(url: string, size: number): pg.Pool {
  const pool = new pg.Pool({ connectionString: url, max: size, types: STOCK_TYPES });
  // pool.end() resolves before its sockets are closed, so the DROP DATABASE that follows
  // (forced when waiting did not do) can kill a backend under an idle client; unhandled,
  // that 'error' would crash the process. A failure that matters shows on the query it hits.
  pool.on('error', () => undefined);
  return pool;
}

export interface ServerInfo {
  readonly version: string;
  readonly settings: Readonly<Record<string, string>>;
}

/** Settings that move the numbers most: durability and memory. */
const REPORTED_SETTINGS = [
  'synchronous_commit',
  'fsync',
  'wal_sync_method',
  'shared_buffers',
  'max_connections',
  'commit_delay',
];

export async function readServerInfo(serverUrl: string): Promise<ServerInfo> {
  return withServerClient(serverUrl, async (client) => {
    const version = (await client.query<{ version: string }>('SELECT version()')).rows[0]!.version;
    const { rows } = await client.query<{ name: string; setting: string; unit: string | null }>(
      'SELECT name, setting, unit FROM pg_settings WHERE name = ANY($1)',
      [REPORTED_SETTINGS],
    );
    const settings = Object.fromEntries(
      rows.map((row) => [row.name, row.unit ? `${row.setting} ${row.unit}` : row.setting]),
    );
    return { version, settings };
  });
}
