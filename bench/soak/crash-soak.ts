/**
 * Crash soak: several customers send deposits, withdrawals and buy and sell orders for a
 * bounded time to the built app (`node dist/src/main.js`, a child process on a PostgreSQL
 * database of its own), which is SIGKILLed and started again several times meanwhile;
 * each customer sends a command again with the same command id until the app answers it.
 * Then, once every order has ended and the views have caught up: no acknowledged command
 * lost, none applied twice, no refused one written, the ledger's invariants hold on the
 * log, the accounts view equals the log folded, and a clean rebuild of every view matches
 * the live views (the rebuild's parity check: `ledger projections rebuild all` exits 0).
 *
 * Usage: npm run soak:crash. SOAK_SECONDS (180), SOAK_KILLS (5), SOAK_CLIENTS (6),
 * SOAK_ACCOUNTS per client (3), SOAK_SEED (random, printed); the PostgreSQL server is
 * BENCH_DATABASE_URL (postgres://postgres@127.0.0.1:5432/test), where the soak creates a
 * database and drops it after a passing run (a failing run leaves it, named, to inspect).
 * Exits 1 when any check fails. Results: bench/results/crash-soak.json.
 */
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { promisify } from 'node:util';
import { mintToken } from '../../src/api/auth/token-minter.js';
import { isTerminal } from '../../src/domain/order.decider.js';
import { createPool } from '../../src/infrastructure/database/create-pool.js';
import { PostgresEventStore } from '../../src/infrastructure/event-store/postgres/postgres.event-store.js';
import { seededRandom } from '../../src/shared/seeded-random.js';
import { findFreePort } from '../../src/infrastructure/database/free-port.js';
import { AppProcess } from '../../test-kit/app-process.js';
import { type LoggedEvent, foldOrders, readLog } from '../../test-kit/ledger-invariants.js';
import { createThrowawayDatabase } from '../../test-kit/throwaway-database.js';
import { gitState, writeResults } from '../bench-results.js';
import { type CheckResult, checkCommands, checkLedger } from './soak-checks.js';
import { SoakClient } from './soak-client.js';
import { type SentCommand, runCustomer } from './soak-customers.js';
import { checkViews } from './soak-views.js';

const ROOT = join(import.meta.dirname, '..', '..', '..');
const RESULTS = join(ROOT, 'bench', 'results', 'crash-soak.json');
const DEFAULT_SERVER_URL = 'postgres://postgres@127.0.0.1:5432/test';
const START_TIMEOUT_MS = 180_000;
const STOP_TIMEOUT_MS = 45_000;
/** A command is given up on (and the soak fails) when no attempt is answered for this long. */
const ANSWER_TIMEOUT_MS = 240_000;
const SETTLE_TIMEOUT_MS = 900_000;
/** No order ended for this long while some are open: they are stranded. */
const SETTLE_STALL_MS = 60_000;
const SETTLE_POLL_MS = 2_000;
const REBUILD_TIMEOUT_MS = 600_000;
const JWT_SECRET = `crash-soak-${randomBytes(24).toString('hex')}`;

function positiveInteger(name: string, fallback: number): number {
  const raw = process.env[name];
  const value = raw === undefined || raw === '' ? fallback : Number(raw);
  if (!Number.isSafeInteger(value) || value < 0) {
    throw new Error(`${name} must be a whole number, 0 or more: ${raw}`);
  }
  return value;
}

const OPTIONS = {
  seconds: positiveInteger('SOAK_SECONDS', 180),
  kills: positiveInteger('SOAK_KILLS', 5),
  clients: positiveInteger('SOAK_CLIENTS', 6),
  accounts: Math.max(1, positiveInteger('SOAK_ACCOUNTS', 3)),
  seed: positiveInteger('SOAK_SEED', randomBytes(4).readUInt32BE() >>> 1),
  serverUrl: process.env['BENCH_DATABASE_URL'] || DEFAULT_SERVER_URL,
};

/** The app's environment: a fast market with partial fills, short saga leases, no rate limit. */
function appEnv(databaseUrl: string, port: number, dataDir: string): NodeJS.ProcessEnv {
  return {
    NODE_ENV: 'production',
    DATABASE_URL: databaseUrl,
    HOST: '127.0.0.1',
    PORT: String(port),
    LEDGER_DATA_DIR: dataDir,
    LEDGER_JWT_SECRET: JWT_SECRET,
    LEDGER_RATE_LIMIT_PER_SECOND: '0',
    LEDGER_MARKET_SEED: String(OPTIONS.seed % 2 ** 32),
    LEDGER_MARKET_TICK_MS: '100',
    LEDGER_MARKET_LATENCY_MS: '0',
    LEDGER_MARKET_LATENCY_JITTER_MS: '5',
    LEDGER_MARKET_MAX_FILL_QUANTITY: '2',
    // A killed process's sagas are taken over by the next one after this.
    LEDGER_SAGA_LEASE_MS: '2000',
    LEDGER_SAGA_POLL_MS: '50',
  };
}

async function bearer(sub: string, role: 'admin' | 'customer'): Promise<string> {
  const secret = new TextEncoder().encode(JWT_SECRET);
  const request = { sub, roles: [role] as const, ttlSeconds: 86_400 };
  const { token } = await mintToken(secret, request, { issuer: undefined, audience: undefined });
  return `Bearer ${token}`;
}

interface Kill {
  readonly atSeconds: number;
  /** From the SIGKILL until the next process answered /health/ready. */
  readonly downMs: number;
}

/** The app, SIGKILLed at `kills` times spread over the run (jittered), each time started again. */
class CrashingApp {
  current: AppProcess;
  readonly history: Kill[] = [];

  constructor(
    private readonly start: () => AppProcess,
    private readonly startedAt: number,
  ) {
    this.current = start();
  }

  async killAndRestartUntil(stopAt: number, random: () => number): Promise<void> {
    const spacing = (stopAt - this.startedAt) / (OPTIONS.kills + 1);
    for (let kill = 1; kill <= OPTIONS.kills; kill++) {
      const at = this.startedAt + spacing * (kill + (random() - 0.5) * 0.4);
      await sleep(Math.max(0, at - Date.now()));
      const killedAt = Date.now();
      await this.current.stop('SIGKILL', STOP_TIMEOUT_MS);
      this.current = this.start();
      await this.current.waitReady(START_TIMEOUT_MS);
      this.history.push({
        atSeconds: Math.round((killedAt - this.startedAt) / 1000),
        downMs: Date.now() - killedAt,
      });
      console.error(
        `kill ${kill}: at ${this.history.at(-1)!.atSeconds} s, down ${Date.now() - killedAt} ms`,
      );
    }
  }
}

/**
 * Waits until every order in the log has ended; returns the log then. A backlog of orders
 * filling share by share may take long after a busy run, so the wait goes on while orders
 * keep ending and gives up when none has ended for SETTLE_STALL_MS (a stranded order)
 * or at SETTLE_TIMEOUT_MS in all.
 */
async function settledLog(store: PostgresEventStore): Promise<LoggedEvent[]> {
  const deadline = Date.now() + SETTLE_TIMEOUT_MS;
  let fewestOpen = Infinity;
  let progressAt = Date.now();
  for (;;) {
    const log = await readLog(store);
    const open = [...foldOrders(log).values()].filter((order) => !isTerminal(order)).length;
    if (open < fewestOpen) [fewestOpen, progressAt] = [open, Date.now()];
    const stalled = Date.now() - progressAt > SETTLE_STALL_MS;
    if (open === 0 || stalled || Date.now() > deadline) return log;
    await sleep(SETTLE_POLL_MS);
  }
}

/** `ledger projections rebuild all` from the build: exit 0 only when every view matched. */
async function rebuildMatches(databaseUrl: string): Promise<CheckResult> {
  const run = promisify(execFile);
  const cli = join('dist', 'src', 'cli', 'ledger.cli.js');
  try {
    const { stdout } = await run(process.execPath, [cli, 'projections', 'rebuild', 'all'], {
      cwd: ROOT,
      env: { PATH: process.env['PATH'], DATABASE_URL: databaseUrl, LEDGER_JWT_SECRET: JWT_SECRET },
      timeout: REBUILD_TIMEOUT_MS,
      maxBuffer: 16 * 1024 * 1024,
    });
    // One table row per view: its name, whether it was swapped, the row counts and checksums.
    const views = stdout
      .split('\n')
      .filter((line) => /\s(yes|no)\s/.test(line))
      .map((line) => line.trim().split(/\s+/)[0]);
    const detail = `exit 0, each view swapped after its parity check: ${views.join(', ')}`;
    return { check: 'views equal a clean rebuild', ok: true, detail };
  } catch (error) {
    const { code, stdout, stderr } = error as { code?: number; stdout?: string; stderr?: string };
    const detail = `exit ${code}: ${(stdout ?? '').trim()} ${(stderr ?? '').trim()}`.slice(
      0,
      2_000,
    );
    return { check: 'views equal a clean rebuild', ok: false, detail };
  }
}

async function main(): Promise<void> {
  console.error(`crash soak: ${JSON.stringify({ ...OPTIONS, serverUrl: undefined })}`);
  const database = await createThrowawayDatabase(OPTIONS.serverUrl, 'soak');
  const dataDir = await mkdtemp(join(tmpdir(), 'ledger-soak-'));
  const port = await findFreePort();
  const env = appEnv(database.url, port, dataDir);
  const startedAt = Date.now();
  const app = new CrashingApp(() => AppProcess.start({ cwd: ROOT, env, port }), startedAt);
  await app.current.waitReady(START_TIMEOUT_MS);
  const loadStartedAt = Date.now();
  const stopAt = loadStartedAt + OPTIONS.seconds * 1000;
  const sent: SentCommand[] = [];
  const runId = randomBytes(3).toString('hex');
  const clients: SoakClient[] = [];
  const customers = Array.from({ length: OPTIONS.clients }, async (_, customer) => {
    const client = new SoakClient(
      app.current.baseUrl,
      await bearer(`soak-c${customer}`, 'customer'),
      ANSWER_TIMEOUT_MS,
    );
    clients.push(client);
    const random = seededRandom(OPTIONS.seed, `customer-${customer}`);
    await runCustomer(
      client,
      { runId, customer, accounts: OPTIONS.accounts, random, stopAt },
      (command) => sent.push(command),
    );
  });
  await Promise.all([
    ...customers,
    app.killAndRestartUntil(stopAt, seededRandom(OPTIONS.seed, 'kills')),
  ]);
  const loadSeconds = (Date.now() - loadStartedAt) / 1000;
  console.error(`load done: ${sent.length} commands in ${loadSeconds.toFixed(0)} s; settling`);

  const pool = createPool({ connectionString: database.url, max: 4 });
  const store = new PostgresEventStore(pool, { idleRecheckMs: 200 });
  const results: CheckResult[] = [];
  let events: number | undefined;
  try {
    const log = await settledLog(store);
    events = log.length;
    results.push(...checkCommands(log, sent));
    const ledger = checkLedger(log);
    results.push(...ledger.results);
    const admin = new SoakClient(
      app.current.baseUrl,
      await bearer('soak-admin', 'admin'),
      ANSWER_TIMEOUT_MS,
    );
    results.push(...(await checkViews(admin, ledger.positions)));
    await app.current.stop('SIGTERM', STOP_TIMEOUT_MS);
    results.push({
      check: 'the last app stops cleanly on SIGTERM',
      ok: app.current.child.exitCode === 0,
      detail: `exit ${app.current.child.exitCode}`,
    });
    results.push(await rebuildMatches(database.url));
  } finally {
    await app.current.stop('SIGKILL', STOP_TIMEOUT_MS);
    await store.close();
    await pool.end();
    await rm(dataDir, { recursive: true, force: true });
  }
  await report({ sent, clients, kills: app.history, results, events: events ?? 0, loadSeconds });
  const failed = results.filter((result) => !result.ok);
  if (failed.length === 0) await database.drop();
  else console.error(`kept the database ${database.name} to inspect`);
  process.exitCode = failed.length === 0 ? 0 : 1;
}

interface Run {
  readonly sent: readonly SentCommand[];
  readonly clients: readonly SoakClient[];
  readonly kills: readonly Kill[];
  readonly results: readonly CheckResult[];
  readonly events: number;
  readonly loadSeconds: number;
}

function countBy<T>(items: readonly T[], key: (item: T) => string): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const item of items) counts[key(item)] = (counts[key(item)] ?? 0) + 1;
  return counts;
}

async function report(run: Run): Promise<void> {
  const retries: Record<string, number> = {};
  for (const client of run.clients) {
    for (const [reason, n] of client.retries) retries[reason] = (retries[reason] ?? 0) + n;
  }
  const summary = {
    options: { ...OPTIONS, serverUrl: undefined },
    git: await gitState(),
    node: process.version,
    loadSeconds: Math.round(run.loadSeconds),
    commands: countBy(run.sent, ({ kind, answer }) => `${kind} ${answer.kind}`),
    commandsAnsweredAfterRetries: run.sent.filter(({ answer }) => answer.attempts > 1).length,
    attemptsNotAnswered: retries,
    kills: run.kills,
    events: run.events,
    checks: run.results,
  };
  await writeResults(RESULTS, summary);
  console.log(JSON.stringify({ ...summary, checks: undefined }, null, 2));
  for (const { check, ok, detail } of run.results)
    console.log(`${ok ? 'PASS' : 'FAIL'} ${check}: ${detail}`);
}

await main();
