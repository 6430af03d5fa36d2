import { execFile } from 'node:child_process';
import { access, appendFile, chown, mkdtemp, readFile, readdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import pg from 'pg';
import { findFreePort } from '../../src/infrastructure/database/free-port.js';
import {
  type ServerUser,
  serverUser,
} from '../../src/infrastructure/database/embedded/server-user.js';

const run = promisify(execFile);

/** Debian's `postgresql` package puts each major version's server binaries here. */
const DEBIAN_POSTGRES_LIB = '/usr/lib/postgresql';
const BINARIES = ['initdb', 'pg_ctl', 'pg_basebackup'] as const;
/** initdb, a base backup of an empty cluster, a start or a stop: seconds each, at worst. */
const COMMAND_TIMEOUT_MS = 60_000;
/** A free port can be taken by someone else before the server binds it. */
const START_ATTEMPTS = 3;
const DATABASE = 'postgres';

/** Settings for throwaway test clusters: nothing is kept, so nothing is synced. */
const COMMON_SETTINGS: Readonly<Record<string, string>> = {
  listen_addresses: "'127.0.0.1'",
  // TCP only: no socket in /var/run/postgresql next to the machine's own server.
  unix_socket_directories: "''",
  fsync: 'off',
  full_page_writes: 'off',
  shared_buffers: "'32MB'",
  max_connections: '60',
};

export interface StreamingReplica {
  /** The primary: read-write. */
  readonly primaryUrl: string;
  /** A hot standby streaming from the primary (made with `pg_basebackup -R`). */
  readonly replicaUrl: string;
  /** Resolves once the replica has replayed everything the primary had written at the call. */
  caughtUp(timeoutMs?: number): Promise<void>;
  stop(): Promise<void>;
}

export interface StreamingReplicaOptions {
  /** postgresql.conf settings of the replica alone, e.g. max_standby_streaming_delay. */
  readonly replicaSettings?: Readonly<Record<string, string>>;
}

/**
 * The newest major version of Debian's PostgreSQL server binaries on this machine, or
 * undefined when the `postgresql` package is not installed.
 */
export async function findPostgresBinDir(): Promise<string | undefined> {
  const versions = await readdir(DEBIAN_POSTGRES_LIB).catch(() => [] as string[]);
  const newestFirst = versions
    .filter((name) => /^\d+$/.test(name))
    .sort((a, b) => Number(b) - Number(a));
  for (const version of newestFirst) {
    const bin = join(DEBIAN_POSTGRES_LIB, version, 'bin');
    const complete = await Promise.all(
      BINARIES.map((name) =>
        access(join(bin, name)).then(
          () => true,
          () => false,
        ),
      ),
    );
    if (complete.every(Boolean)) return bin;
  }
  return undefined;
}

/** Runs a server binary; as root, as the server user (PostgreSQL refuses to run as root). */
class Binaries {
  constructor(
    private readonly bin: string,
    private readonly user: ServerUser | undefined,
  ) {}

  async run(name: (typeof BINARIES)[number], args: readonly string[]): Promise<void> {
    await run(join(this.bin, name), args, {
      timeout: COMMAND_TIMEOUT_MS,
      ...(this.user ? { uid: this.user.uid, gid: this.user.gid } : {}),
    });
  }
}

function settingsText(settings: Readonly<Record<string, string>>): string {
  return Object.entries(settings)
    .map(([name, value]) => `${name} = ${value}\n`)
    .join('');
}

/** What went wrong, from the server's log: pg_ctl itself only says that it failed. */
async function withServerLog(error: unknown, logFile: string): Promise<Error> {
  const log = await readFile(logFile, 'utf8').catch(() => '');
  return new Error(`${(error as Error).message}\n--- server log ---\n${log.slice(-4_000)}`);
}

/** Starts the cluster in `dataDir` on a free port (a new one if another process took it). */
async function startCluster(binaries: Binaries, dataDir: string): Promise<number> {
  const logFile = join(dataDir, 'server.log');
  for (let attempt = 1; ; attempt++) {
    const port = await findFreePort();
    // The last setting in the file wins: each start appends its own port.
    await appendFile(join(dataDir, 'postgresql.conf'), `port = ${port}\n`);
    try {
      await binaries.run('pg_ctl', ['start', '-w', '-t', '30', '-D', dataDir, '-l', logFile]);
      return port;
    } catch (error) {
      const log = await readFile(logFile, 'utf8').catch(() => '');
      if (attempt < START_ATTEMPTS && log.includes('could not bind')) continue;
      throw await withServerLog(error, logFile);
    }
  }
}

async function stopCluster(binaries: Binaries, dataDir: string): Promise<void> {
  // Immediate: the data is thrown away, so no shutdown checkpoint is worth waiting for.
  await binaries.run('pg_ctl', ['stop', '-w', '-t', '30', '-m', 'immediate', '-D', dataDir]);
}

async function queryOnce<R extends pg.QueryResultRow>(url: string, sql: string): Promise<R> {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 5_000 });
  await client.connect();
  try {
    return (await client.query<R>(sql)).rows[0]!;
  } finally {
    await client.end();
  }
}

async function caughtUp(primaryUrl: string, replicaUrl: string, timeoutMs: number): Promise<void> {
  const { lsn } = await queryOnce<{ lsn: string }>(
    primaryUrl,
    'SELECT pg_current_wal_lsn() AS lsn',
  );
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const { done } = await queryOnce<{ done: boolean }>(
      replicaUrl,
      `SELECT coalesce(pg_last_wal_replay_lsn() >= '${lsn}'::pg_lsn, false) AS done`,
    );
    if (done) return;
    if (Date.now() > deadline)
      throw new Error(`The replica has not replayed ${lsn} in ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

/**
 * A PostgreSQL primary and a hot standby streaming from it, from Debian's server binaries,
 * each on a free port of 127.0.0.1 with trust authentication, data in a new folder under
 * /tmp (not under the checkout, which a server user may not be able to enter).
 */
export async function startStreamingReplica(
  options: StreamingReplicaOptions = {},
): Promise<StreamingReplica> {
  const bin = await findPostgresBinDir();
  if (bin === undefined) {
    throw new Error(
      `No PostgreSQL server binaries under ${DEBIAN_POSTGRES_LIB}: install Debian's postgresql package`,
    );
  }
  const user = await serverUser();
  const binaries = new Binaries(bin, user);
  const root = await mkdtemp('/tmp/ledger-replica-');
  if (user) await chown(root, user.uid, user.gid);
  const primaryDir = join(root, 'primary');
  const replicaDir = join(root, 'replica');
  const started: string[] = [];
  const stop = async (): Promise<void> => {
    const results = await Promise.allSettled(started.map((dir) => stopCluster(binaries, dir)));
    await rm(root, { recursive: true, force: true });
    const failure = results.find((result) => result.status === 'rejected');
    if (failure) throw failure.reason;
  };
  try {
    await binaries.run('initdb', [
      ...['-D', primaryDir, '-U', 'postgres', '--auth=trust', '--no-sync'],
      ...['--encoding=UTF8', '--locale=C'],
    ]);
    await appendFile(join(primaryDir, 'postgresql.conf'), settingsText(COMMON_SETTINGS));
    const primaryPort = await startCluster(binaries, primaryDir);
    started.push(primaryDir);
    await binaries.run('pg_basebackup', [
      ...['-h', '127.0.0.1', '-p', String(primaryPort), '-U', 'postgres'],
      ...['-D', replicaDir, '-R', '-X', 'stream', '-c', 'fast', '--no-sync'],
    ]);
    await appendFile(
      join(replicaDir, 'postgresql.conf'),
      settingsText(options.replicaSettings ?? {}),
    );
    const replicaPort = await startCluster(binaries, replicaDir);
    started.push(replicaDir);
    const primaryUrl = `postgres://postgres@127.0.0.1:${primaryPort}/${DATABASE}`;
    const replicaUrl = `postgres://postgres@127.0.0.1:${replicaPort}/${DATABASE}`;
    return {
      primaryUrl,
      replicaUrl,
      caughtUp: (timeoutMs = 10_000) => caughtUp(primaryUrl, replicaUrl, timeoutMs),
      stop,
    };
  } catch (error) {
    // The failure to start is the one to report; a failure to clean up after it would hide it.
    await stop().catch(() => undefined);
    throw error;
  }
}
