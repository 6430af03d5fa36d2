import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { promisify } from 'node:util';

const ROOT = join(import.meta.dirname, '..', '..');
const TSX = join(ROOT, 'node_modules', 'tsx', 'dist', 'cli.mjs');
const run = promisify(execFile);
const START_TIMEOUT_MS = 180_000;
const STOP_TIMEOUT_MS = 45_000;

/** The app on the embedded default (its own PostgreSQL), seeded, for the browser tests. */
export interface AdminApp {
  readonly url: string;
  readonly dataDir: string;
  readonly env: NodeJS.ProcessEnv;
  stop(): Promise<void>;
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => resolve(typeof address === 'object' && address ? address.port : 0));
    });
  });
}

async function waitUntilServing(url: string, app: ChildProcess, log: () => string): Promise<void> {
  const deadline = Date.now() + START_TIMEOUT_MS;
  while (Date.now() < deadline) {
    if (app.exitCode !== null) throw new Error(`the app exited with ${app.exitCode}:\n${log()}`);
    const ok = await fetch(`${url}/health/ready`, { signal: AbortSignal.timeout(5_000) }).then(
      (response) => response.ok,
      () => false,
    );
    if (ok) return;
    await sleep(500);
  }
  throw new Error(`the app did not get ready within ${START_TIMEOUT_MS / 1000} s:\n${log()}`);
}

async function stopApp(app: ChildProcess): Promise<void> {
  if (app.exitCode !== null) return;
  const exited = new Promise((resolve) => app.once('exit', resolve));
  app.kill('SIGTERM');
  await Promise.race([exited, sleep(STOP_TIMEOUT_MS)]);
  if (app.exitCode === null) app.kill('SIGKILL');
}

/** The app from its sources, on the data directory and port of `env`. */
async function launch(env: NodeJS.ProcessEnv, url: string): Promise<ChildProcess> {
  let output = '';
  const app = spawn(process.execPath, [TSX, join(ROOT, 'test', 'admin', 'start-app.ts')], {
    cwd: ROOT,
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const keep = (chunk: Buffer) => (output = (output + chunk.toString()).slice(-20_000));
  app.stdout?.on('data', keep);
  app.stderr?.on('data', keep);
  try {
    await waitUntilServing(url, app, () => output);
  } catch (error) {
    await stopApp(app);
    throw error;
  }
  return app;
}

function ledgerCli(env: NodeJS.ProcessEnv, args: string[]): Promise<{ stdout: string }> {
  return run(process.execPath, [TSX, join(ROOT, 'src', 'cli', 'ledger.cli.ts'), ...args], {
    cwd: ROOT,
    env,
    timeout: 180_000,
  });
}

/**
 * Builds the UI when stale, starts the app with a fresh data directory on a free port
 * (no DATABASE_URL: the embedded PostgreSQL, as a newcomer's `npm start`), and seeds it
 * with the `ledger seed` command a user runs for a demo. Then `afterSeed` runs against
 * the app started again with `settings` (a market that fails, say), on the same data,
 * and the tests get the app started once more as it was (what afterSeed wrote stays).
 */
export async function startAdminApp(
  customers: number,
  settings: Record<string, string>,
  afterSeed: (url: string, env: NodeJS.ProcessEnv) => Promise<void>,
): Promise<AdminApp> {
  await run(process.execPath, [join(ROOT, 'scripts', 'build.mjs'), '--if-stale', '--admin'], {
    cwd: ROOT,
    timeout: 120_000,
  });
  const dataDir = await mkdtemp(join(tmpdir(), 'ledger-admin-ui-'));
  const port = await freePort();
  const env: NodeJS.ProcessEnv = { ...process.env, LEDGER_DATA_DIR: dataDir, PORT: String(port) };
  for (const name of ['DATABASE_URL', 'EVENTSTORE_URL', 'ELASTICSEARCH_URL', 'LEDGER_JWT_SECRET']) {
    delete env[name];
  }
  const url = `http://127.0.0.1:${port}`;
  let app: ChildProcess | undefined;
  const stop = async () => {
    if (app !== undefined) await stopApp(app);
    await rm(dataDir, { recursive: true, force: true });
  };
  try {
    app = await launch(env, url);
    await ledgerCli(env, ['seed', '--url', url, '--customers', String(customers)]);
    await stopApp(app);
    app = await launch({ ...env, ...settings }, url);
    await afterSeed(url, env);
    await stopApp(app);
    app = await launch(env, url);
  } catch (error) {
    await stop();
    throw error;
  }
  return { url, dataDir, env, stop };
}
