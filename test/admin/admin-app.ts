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

/**
 * Builds the UI when stale, starts the app with a fresh data directory on a free port
 * (no DATABASE_URL: the embedded PostgreSQL, as a newcomer's `npm start`), and seeds it
 * with the `ledger seed` command a user runs for a demo.
 */
export async function startAdminApp(customers: number): Promise<AdminApp> {
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
  let output = '';
  const app = spawn(process.execPath, [TSX, join(ROOT, 'test', 'admin', 'start-app.ts')], {
    cwd: ROOT,
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const keep = (chunk: Buffer) => (output = (output + chunk.toString()).slice(-20_000));
  app.stdout?.on('data', keep);
  app.stderr?.on('data', keep);
  const url = `http://127.0.0.1:${port}`;
  const stop = async () => {
    await stopApp(app);
    await rm(dataDir, { recursive: true, force: true });
  };
  try {
    await waitUntilServing(url, app, () => output);
    await run(
      process.execPath,
      [
        TSX,
        join(ROOT, 'src', 'cli', 'ledger.cli.ts'),
        'seed',
        '--url',
        url,
        '--customers',
        String(customers),
      ],
      {
        cwd: ROOT,
        env,
        timeout: 180_000,
      },
    );
  } catch (error) {
    await stop();
    throw error;
  }
  return { url, dataDir, env, stop };
}
