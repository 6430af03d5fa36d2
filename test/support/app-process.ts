import { join } from 'node:path';
import { findFreePort } from '../../src/infrastructure/database/free-port.js';
import { type ExitOf, AppProcess as ChildApp } from '../../test-kit/app-process.js';
import { type GraphQLResponse, bearerFor } from './test-app.js';

const ROOT = join(import.meta.dirname, '..', '..');
/** src/main.ts with the decorator metadata Nest needs (see that file). */
const START_SCRIPT = join(ROOT, 'test', 'admin', 'start-app.ts');
const START_TIMEOUT_MS = 180_000;
const REQUEST_TIMEOUT_MS = 30_000;
/** The secret the test apps sign with (see TEST_JWT_SECRET): tokens from bearerFor are valid. */
const TEST_SECRET_TEXT = 'the test apps sign their tokens with this';

/** The app (src/main.ts) in a process of its own, as `npm start` runs it. */
export interface AppProcess {
  readonly url: string;
  readonly child: ChildApp['child'];
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

const started = new Set<ChildApp>();

/** SIGKILLs every app process still running: a failed test leaves none behind. */
export async function killAppProcesses(): Promise<void> {
  await Promise.all([...started].map((app) => app.kill('SIGKILL')));
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
 * no rate limits, open /metrics), and resolves once /health/ready answers.
 */
export async function startAppProcess(env: NodeJS.ProcessEnv): Promise<AppProcess> {
  const port = await findFreePort();
  const child = ChildApp.start({
    cwd: ROOT,
    port,
    // tsx as a loader, not its CLI: a signal must reach the app itself, not a parent of it.
    argv: [process.execPath, '--import', 'tsx', START_SCRIPT],
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
  });
  started.add(child);
  void child.exited.then(() => started.delete(child));
  const url = child.baseUrl;
  // One caller across restarts: a retry by another would be another's command.
  const admin = await bearerFor('test-admin', ['admin']);
  try {
    await child.waitReady(START_TIMEOUT_MS);
  } catch (error) {
    await child.kill('SIGKILL');
    throw error;
  }
  return {
    url,
    child: child.child,
    exited: child.exited,
    output: () => child.recentOutput,
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
    kill: (signal) => child.kill(signal),
  };
}
