import { type ChildProcess, spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import type pg from 'pg';
import { type CommandContext } from '../../../src/commands/command-context.js';
import { type MarketResilienceConfig } from '../../../src/market/resilient-market-gateway.js';
import { type MarketGateway } from '../../../src/market/market-gateway.port.js';
import { VIEW_PROJECTIONS } from '../../../src/projections/views/index.js';
import { serveMarket } from './ipc-market.js';

/**
 * The moving parts of the saga crash tests: the saga and the view projectors in processes
 * of their own (so that a SIGKILL lands wherever they are), commands issued from the test
 * process, and the waits for both to finish their work.
 */

const REPO_ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const SAGA_SCRIPT = fileURLToPath(new URL('./saga-process.ts', import.meta.url));
const PROJECTOR_SCRIPT = fileURLToPath(
  new URL('../../projections/support/projector-process.ts', import.meta.url),
);
/** saga-process.ts reads the resilience of its market gateway from here (JSON). */
export const SAGA_MARKET_RESILIENCE_ENV = 'SAGA_PROCESS_MARKET_RESILIENCE';
/** `durable`: saga-process.ts trades on an exchange of its own with its book in the database. */
export const SAGA_PROCESS_MARKET_ENV = 'SAGA_PROCESS_MARKET';
const POLL_MS = 100;

/** A fresh command of a customer (or of the test) outside any retry. */
export function commandContext(userId: string): CommandContext {
  const id = randomUUID();
  return {
    commandId: id,
    correlationId: id,
    causationId: id,
    userId,
    now: new Date().toISOString(),
  };
}

export interface ChildHandle {
  readonly child: ChildProcess;
  /** Resolves once the child printed its `{"ready":true}` line; rejects if it exits first. */
  readonly ready: Promise<void>;
  readonly exited: Promise<unknown>;
  kill(signal: NodeJS.Signals): Promise<void>;
}

const started = new Set<ChildProcess>();

/** SIGKILLs every child still running: a test that failed half-way leaves none behind. */
export async function killStartedProcesses(): Promise<void> {
  await Promise.all(
    [...started].map((child) => {
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.kill('SIGKILL');
      return exited;
    }),
  );
}

function startChild(script: string, env: NodeJS.ProcessEnv, ipc: boolean): ChildHandle {
  const child = spawn(process.execPath, ['--import', 'tsx', script], {
    cwd: REPO_ROOT,
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe', ...(ipc ? (['ipc'] as const) : [])],
    // Carries the market's bigints over IPC.
    serialization: 'advanced',
  });
  let stderr = '';
  child.stderr!.on('data', (chunk: Buffer) => {
    stderr = (stderr + chunk.toString()).slice(-4_000);
  });
  const exited = new Promise((resolve) => child.once('exit', resolve));
  started.add(child);
  void exited.then(() => started.delete(child));
  let stdout = '';
  const ready = new Promise<void>((resolve, reject) => {
    child.stdout!.on('data', (chunk: Buffer) => {
      stdout = (stdout + chunk.toString()).slice(-1_000);
      if (stdout.includes('"ready":true')) resolve();
    });
    void exited.then(() => reject(new Error(`${script} exited early: ${stderr}`)));
  });
  return {
    child,
    ready,
    exited,
    async kill(signal) {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
      await exited;
    },
  };
}

/**
 * The saga (follower and runner) in a process of its own, trading on `market` over IPC,
 * or (`durable`) on an exchange in the process whose book is in the database, configured
 * by the LEDGER_MARKET_* variables of `env`. Fast turns, short leases (a killed process's
 * orders are taken over after a second) and enough attempts that a market fault never
 * parks a saga; `env` overrides any of it.
 */
export function startSagaProcess(
  databaseUrl: string,
  market: MarketGateway | 'durable',
  options: { env?: NodeJS.ProcessEnv; resilience?: MarketResilienceConfig } = {},
): ChildHandle {
  const handle = startChild(
    SAGA_SCRIPT,
    {
      DATABASE_URL: databaseUrl,
      ...(market === 'durable' && { [SAGA_PROCESS_MARKET_ENV]: 'durable' }),
      LEDGER_SAGA_LEASE_MS: '1000',
      LEDGER_SAGA_POLL_MS: '20',
      LEDGER_SAGA_RETRY_BASE_MS: '20',
      LEDGER_SAGA_RETRY_MAX_MS: '200',
      LEDGER_SAGA_MAX_ATTEMPTS: '20',
      ...(options.resilience && {
        [SAGA_MARKET_RESILIENCE_ENV]: JSON.stringify(options.resilience),
      }),
      ...options.env,
    },
    true,
  );
  if (market !== 'durable') serveMarket(handle.child, market);
  return handle;
}

/** The view projectors (test/projections/support/projector-process.ts) against the database. */
export function startProjectorProcess(databaseUrl: string): ChildHandle {
  return startChild(PROJECTOR_SCRIPT, { DATABASE_URL: databaseUrl }, false);
}

/** Waits (bounded) until `orders` sagas exist and none is active; answers the parked ones. */
export async function waitForSagasToRest(
  pool: pg.Pool,
  orders: number,
  timeoutMs: number,
): Promise<string[]> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const { rows } = await pool.query<{ total: number; active: number; parked: string[] }>(
      `SELECT count(*)::int AS total, (count(*) FILTER (WHERE status = 'active'))::int AS active,
              COALESCE(array_agg(order_id) FILTER (WHERE status = 'parked'), '{}') AS parked
         FROM ledger_order_sagas`,
    );
    const { total, active, parked } = rows[0]!;
    if (total === orders && active === 0) return parked;
    if (Date.now() > deadline) {
      throw new Error(`${active} of ${total} sagas still active (${orders} orders)`);
    }
    await sleep(POLL_MS);
  }
}

/**
 * Waits (bounded) until every view projector's checkpoint is at the last event of the
 * log. Read from the table, not store.headPosition(): that only sees below the oldest
 * transaction still running on the server (other tests' too), so it may be behind.
 */
export async function waitForProjections(pool: pg.Pool, timeoutMs: number): Promise<void> {
  const names = VIEW_PROJECTIONS.map((projection) => projection.name);
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const { rows } = await pool.query<{ projection: string; behind: boolean; error: string }>(
      `SELECT c.projection, (c.commit_position, c.prepare_position) < (h.commit, h.seq) AS behind,
              CASE WHEN c.status = 'stopped' THEN COALESCE(c.last_error, 'stopped') END AS error
         FROM ledger_projection_checkpoints c,
              (SELECT tx_id::text::numeric AS commit, seq FROM ledger_events
                ORDER BY tx_id DESC, seq DESC LIMIT 1) h
        WHERE c.projection = ANY($1::text[])`,
      [names],
    );
    const stopped = rows.find((row) => row.error !== null);
    if (stopped) throw new Error(`projection ${stopped.projection} stopped: ${stopped.error}`);
    if (rows.length === names.length && rows.every((row) => !row.behind)) return;
    if (Date.now() > deadline) throw new Error(`projections still behind the log`);
    await sleep(POLL_MS);
  }
}
