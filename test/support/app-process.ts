import { type ChildProcess, spawn } from 'node:child_process';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { findFreePort } from '../../src/infrastructure/database/free-port.js';
import { type GraphQLResponse, bearerFor } from './test-app.js';

const ROOT = join(import.meta.dirname, '..', '..');
/** src/main.ts with the decorator metadata Nest needs (see that file). */
const START_SCRIPT = join(ROOT, 'test', 'admin', 'start-app.ts');
const START_TIMEOUT_MS = 180_000;
const REQUEST_TIMEOUT_MS = 30_000;
/** What main.ts prints once it listens, whatever the role. */
const LISTENING = /Ledger (GraphQL API|worker)/;
/** The secret the test apps sign with (see TEST_JWT_SECRET): tokens from bearerFor are valid. */
const TEST_SECRET_TEXT = 'the test apps sign their tokens with this';

export interface ExitOf {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
}

/** The app (src/main.ts) in a process of its own, as `npm start` runs it. */
export interface AppProcess {
  readonly url: string;
  readonly child: ChildProcess;
  readonly exited: Promise<ExitOf>;
  /** The end of what it printed, stdout and stderr together. */
  output(): string;
  /** A GraphQL request as an admin; a network failure rejects. */
  gql<T = Record<string, unknown>>(
    query: string,
    variables?: Record<string, unknown>,
  ): Promise<{ status: number; body: GraphQLResponse<T> | undefined }>;
  /** `ledger_leader` of /metrics: the groups and whether this process leads them. */
  leaderships(): Promise<Map<string, boolean>>;
  kill(signal: NodeJS.Signals): Promise<ExitOf>;
}

const started = new Set<ChildProcess>();

/** SIGKILLs every app process still running: a failed test leaves none behind. */
export async function killAppProcesses(): Promise<void> {
  await Promise.all(
    [...started].map((child) => {
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.kill('SIGKILL');
      return exited;
    }),
  );
}

function parseLeaderships(text: string): Map<string, boolean> {
  const groups = new Map<string, boolean>();
  for (const match of text.matchAll(/^ledger_leader\{group="([^"]+)"\} (\d)/gm)) {
    groups.set(match[1]!, match[2] === '1');
  }
  return groups;
}

/**
 * Starts the app on a free port with `env` over the test defaults (the test JWT secret,
 * no rate limits, open /metrics), and resolves once it listens.
 */
export async function startAppProcess(env: NodeJS.ProcessEnv): Promise<AppProcess> {
  const port = await findFreePort();
  // tsx as a loader, not its CLI: a signal must reach the app itself, not a parent of it.
  const child = spawn(process.execPath, ['--import', 'tsx', START_SCRIPT], {
    cwd: ROOT,
    env: {
      ...process.env,
      HOST: '127.0.0.1',
      PORT: String(port),
      LEDGER_JWT_SECRET: TEST_SECRET_TEXT,
      LEDGER_RATE_LIMIT_PER_SECOND: '0',
      LEDGER_ANONYMOUS_RATE_LIMIT_PER_SECOND: '0',
      LEDGER_METRICS_ACCESS: 'open',
      // No .env of a developer's checkout: the test says what it runs.
      LEDGER_ENV_FILE: '/dev/null',
      ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  started.add(child);
  let output = '';
  const keep = (chunk: Buffer): void => {
    output = (output + chunk.toString()).slice(-20_000);
  };
  child.stdout!.on('data', keep);
  child.stderr!.on('data', keep);
  const exited = new Promise<ExitOf>((resolve) =>
    child.once('exit', (code, signal) => {
      started.delete(child);
      resolve({ code, signal });
    }),
  );
  const url = `http://127.0.0.1:${port}`;
  // One caller across restarts: a retry by another would be another's command.
  const admin = await bearerFor('test-admin', ['admin']);
  const app: AppProcess = {
    url,
    child,
    exited,
    output: () => output,
    async gql(query, variables = {}) {
      const response = await fetch(`${url}/graphql`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: admin },
        body: JSON.stringify({ query, variables }),
        signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS),
      });
      const text = await response.text();
      const body = response.status === 200 ? JSON.parse(text) : undefined;
      return { status: response.status, body };
    },
    async leaderships() {
      const response = await fetch(`${url}/metrics`, { signal: AbortSignal.timeout(5_000) });
      return parseLeaderships(await response.text());
    },
    async kill(signal) {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
      return exited;
    },
  };
  const deadline = Date.now() + START_TIMEOUT_MS;
  while (!LISTENING.test(output)) {
    if (child.exitCode !== null || Date.now() > deadline) {
      await app.kill('SIGKILL');
      throw new Error(`the app did not start:\n${output}`);
    }
    await sleep(100);
  }
  return app;
}
