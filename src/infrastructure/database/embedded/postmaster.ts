import { type ChildProcess, spawn } from 'node:child_process';
import { chown, mkdir, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { type PostgresBinaries } from './postgres-binaries.js';
import { type ServerUser } from './server-user.js';

const LOG_TAIL_LINES = 30;
const INITDB_TIMEOUT_MS = 120_000;
const READY_TIMEOUT_MS = 60_000;
/** A fast shutdown (SIGINT) that takes longer than this is made immediate (SIGQUIT). */
const STOP_TIMEOUT_MS = 30_000;
const READY_LINE = 'database system is ready to accept connections';

/** The last lines a server process wrote, to explain a failure. */
class LogTail {
  private readonly lines: string[] = [];
  add(chunk: Buffer): void {
    this.lines.push(...chunk.toString('utf8').split('\n').filter(Boolean));
    if (this.lines.length > LOG_TAIL_LINES)
      this.lines.splice(0, this.lines.length - LOG_TAIL_LINES);
  }
  toString(): string {
    return this.lines.join('\n');
  }
}

function spawnAs(
  user: ServerUser | undefined,
  command: string,
  args: readonly string[],
): ChildProcess {
  return spawn(command, args, {
    ...(user ? { uid: user.uid, gid: user.gid } : {}),
    // The server's messages are matched in English; its own folder is always reachable.
    env: { ...process.env, LC_MESSAGES: 'C', LANG: 'C' },
    cwd: '/',
    stdio: ['ignore', 'pipe', 'pipe'],
    // Its own process group: a Ctrl-C in the terminal reaches the app, which stops the
    // server after its own shutdown, instead of the server going first.
    detached: true,
  });
}

function hasExited(child: ChildProcess): boolean {
  return child.pid === undefined || child.exitCode !== null || child.signalCode !== null;
}

/** The exit code; null for a signal or a process that could not be started. */
function exitOf(child: ChildProcess): Promise<number | null> {
  if (hasExited(child)) return Promise.resolve(child.exitCode);
  return new Promise((resolve) => {
    child.once('exit', (code) => resolve(code));
    child.once('error', () => resolve(null));
  });
}

/** Creates the cluster: password authentication for `user`, UTF-8, C locale. */
export async function initCluster(
  binaries: PostgresBinaries,
  serverUser: ServerUser | undefined,
  options: { readonly pgDataDir: string; readonly user: string; readonly password: string },
): Promise<void> {
  // Beside the cluster, which the server user can reach: never in a shared tmp folder.
  const passwordFile = join(options.pgDataDir, '..', `.initdb-password-${process.pid}`);
  await writeFile(passwordFile, `${options.password}\n`, { mode: 0o600 });
  try {
    // initdb fills the folder but cannot create it where only we may write.
    await mkdir(options.pgDataDir, { recursive: true, mode: 0o700 });
    if (serverUser) {
      await chown(options.pgDataDir, serverUser.uid, serverUser.gid);
      await chown(passwordFile, serverUser.uid, serverUser.gid);
    }
    const child = spawnAs(serverUser, binaries.initdb, [
      `--pgdata=${options.pgDataDir}`,
      '--auth=password',
      `--username=${options.user}`,
      `--pwfile=${passwordFile}`,
      '--encoding=UTF8',
      '--no-locale',
    ]);
    const log = new LogTail();
    child.stdout?.on('data', (chunk: Buffer) => log.add(chunk));
    child.stderr?.on('data', (chunk: Buffer) => log.add(chunk));
    const timer = setTimeout(() => child.kill('SIGKILL'), INITDB_TIMEOUT_MS);
    const code = await exitOf(child).finally(() => clearTimeout(timer));
    if (code !== 0) throw new Error(`initdb failed (exit ${code}):\n${log.toString()}`);
  } finally {
    await rm(passwordFile, { force: true });
  }
}

const running = new Set<ChildProcess>();
// A process that ends without stopping its servers (an uncaught error, process.exit) asks
// them to shut down fast; a kill -9 leaves them to the next start, which stops orphans.
process.on('exit', () => {
  for (const child of running) child.kill('SIGINT');
});

/** A running postmaster, started by this process. */
export class Postmaster {
  private constructor(
    private readonly child: ChildProcess,
    private readonly log: LogTail,
  ) {}

  static async start(
    binaries: PostgresBinaries,
    serverUser: ServerUser | undefined,
    options: { readonly pgDataDir: string; readonly port: number },
  ): Promise<Postmaster> {
    const child = spawnAs(serverUser, binaries.postgres, [
      '-D',
      options.pgDataDir,
      '-p',
      String(options.port),
      '-c',
      'listen_addresses=127.0.0.1',
      // No Unix socket: its path length is limited and its folder may not be writable.
      '-c',
      'unix_socket_directories=',
    ]);
    running.add(child);
    child.once('exit', () => running.delete(child));
    const log = new LogTail();
    child.stdout?.on('data', (chunk: Buffer) => log.add(chunk));
    const postmaster = new Postmaster(child, log);
    try {
      await postmaster.ready();
      return postmaster;
    } catch (error) {
      await postmaster.stop();
      throw error;
    }
  }

  /** Resolves on the server's ready line; rejects when it exits first or takes too long. */
  private ready(): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      const timer = setTimeout(
        () => fail(`did not become ready within ${READY_TIMEOUT_MS / 1000} s`),
        READY_TIMEOUT_MS,
      );
      const fail = (why: string): void => {
        clearTimeout(timer);
        reject(new Error(`PostgreSQL ${why}:\n${this.log.toString()}`));
      };
      // Read to the end, also once ready: a full pipe would block the server's logging.
      this.child.stderr?.on('data', (chunk: Buffer) => {
        this.log.add(chunk);
        if (chunk.toString('utf8').includes(READY_LINE)) {
          clearTimeout(timer);
          resolve();
        }
      });
      this.child.once('exit', (code, signal) => fail(`exited (${code ?? signal})`));
      this.child.once('error', (error) => fail(`could not be started (${error.message})`));
    });
  }

  /** Fast shutdown (open transactions roll back), made immediate if it hangs. */
  async stop(): Promise<void> {
    if (hasExited(this.child)) return;
    const exited = exitOf(this.child);
    this.child.kill('SIGINT');
    const timer = setTimeout(() => this.child.kill('SIGQUIT'), STOP_TIMEOUT_MS);
    await exited.finally(() => clearTimeout(timer));
  }
}
