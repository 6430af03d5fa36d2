/**
 * What an idle app costs: starts the whole app (projections and sagas on) on a fresh
 * database of its own, lets it settle, then counts that database's transactions (from
 * the server's maintenance database, so the counting adds none) and the process's CPU
 * over a quiet window (and its server backends' CPU, when the server runs on this
 * machine), then samples what its connections are running.
 * Usage: npm run bench:idle (IDLE_BENCH_SETTLE_MS, IDLE_BENCH_WINDOW_MS; DATABASE_URL:
 * the server to use, default postgres://postgres@127.0.0.1:5432/postgres).
 */
import { setTimeout as sleep } from 'node:timers/promises';
import pg from 'pg';
import { createApp } from '../../src/app.factory.js';
import { loadConfig } from '../../src/config/ledger-config.js';
import { createThrowawayDatabase } from '../../test-kit/throwaway-database.js';
import { processCpuSeconds } from '../process-cpu.js';

const SERVER_URL = process.env['DATABASE_URL'] ?? 'postgres://postgres@127.0.0.1:5432/postgres';
/**
 * Past PostgreSQL's 10 s idle report interval and the pool's 10 s idle timeout: the
 * startup's transactions are reported by then, not inside the window.
 */
const SETTLE_MS = Number(process.env['IDLE_BENCH_SETTLE_MS'] ?? 12_000);
const WINDOW_MS = Number(process.env['IDLE_BENCH_WINDOW_MS'] ?? 10_000);
const ACTIVITY_SAMPLES = 50;
const SAMPLE_EVERY_MS = 20;

/** Committed plus rolled-back transactions of one database, as the server last flushed them. */
async function transactions(monitor: pg.Client, database: string): Promise<number> {
  // A fresh read of the counters: drop this backend's cached snapshot of them.
  await monitor.query('SELECT pg_stat_clear_snapshot()');
  const { rows } = await monitor.query<{ xacts: string }>(
    `SELECT (xact_commit + xact_rollback)::text AS xacts FROM pg_stat_database WHERE datname = $1`,
    [database],
  );
  return Number(rows[0]?.xacts ?? 0);
}

/**
 * CPU milliseconds the app's server backends have used so far, by pid, when the server
 * runs on this machine (else an empty map): the app's queries cost the server too.
 */
async function backendCpuMs(monitor: pg.Client, database: string): Promise<Map<number, number>> {
  const { rows } = await monitor.query<{ pid: number }>(
    'SELECT pid FROM pg_stat_activity WHERE datname = $1',
    [database],
  );
  const cpu = new Map<number, number>();
  for (const { pid } of rows) {
    const seconds = processCpuSeconds(pid);
    if (seconds !== undefined) cpu.set(pid, seconds * 1_000);
  }
  return cpu;
}

/** CPU used between two readings by the backends present at both. */
function cpuBetween(before: Map<number, number>, after: Map<number, number>): number {
  let ms = 0;
  for (const [pid, used] of after) ms += used - (before.get(pid) ?? used);
  return ms;
}

/** What the app's connections are running, sampled through the window: query text by count. */
async function sampleActivity(monitor: pg.Client, database: string): Promise<Map<string, number>> {
  const seen = new Map<string, number>();
  for (let i = 0; i < ACTIVITY_SAMPLES; i++) {
    const { rows } = await monitor.query<{ query: string }>(
      `SELECT left(regexp_replace(query, '\\s+', ' ', 'g'), 90) AS query FROM pg_stat_activity
        WHERE datname = $1 AND state = 'active' AND pid <> pg_backend_pid()`,
      [database],
    );
    for (const { query } of rows) seen.set(query, (seen.get(query) ?? 0) + 1);
    await sleep(SAMPLE_EVERY_MS);
  }
  return seen;
}

async function main(): Promise<void> {
  const database = await createThrowawayDatabase(SERVER_URL, 'idle_bench');
  const monitor = new pg.Client({ connectionString: SERVER_URL });
  await monitor.connect();
  const app = await createApp({ ...loadConfig({}), databaseUrl: database.url }, { logger: false });
  try {
    await app.init();
    await sleep(SETTLE_MS);
    // Both readings lag the app's transactions alike (a backend reports its counts up to
    // about a second late), so their difference counts a window as long as the one timed.
    const before = await transactions(monitor, database.name);
    const backendsBefore = await backendCpuMs(monitor, database.name);
    const cpuBefore = process.cpuUsage();
    const startedMs = performance.now();
    await sleep(WINDOW_MS);
    const cpu = process.cpuUsage(cpuBefore);
    const backendsMs = cpuBetween(backendsBefore, await backendCpuMs(monitor, database.name));
    const after = await transactions(monitor, database.name);
    const windowMs = performance.now() - startedMs;
    const share = (ms: number): string => `${((ms / windowMs) * 100).toFixed(2)}% of a core`;
    console.log(`idle window: ${(windowMs / 1_000).toFixed(1)} s`);
    console.log(`transactions/s: ${((after - before) / (windowMs / 1_000)).toFixed(2)}`);
    console.log(`CPU, app process: ${share((cpu.user + cpu.system) / 1_000)}`);
    console.log(`CPU, its server backends: ${share(backendsMs)}`);
    // Sampled after the window: the sampling's own work is not counted above.
    console.log('active queries of the app seen in 50 samples:');
    const activity = await sampleActivity(monitor, database.name);
    for (const [query, count] of [...activity].sort((a, b) => b[1] - a[1])) {
      console.log(`  ${count}\t${query}`);
    }
  } finally {
    await app.close();
    await monitor.end();
    await database.drop();
  }
}

await main();
