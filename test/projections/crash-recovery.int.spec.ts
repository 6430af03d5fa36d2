import { type ChildProcess, spawn } from 'node:child_process';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Position, comparePositions, encodePosition } from '../../src/event-store/position.js';
import { type ProjectedEvent, type TableNames } from '../../src/projections/engine/projection.js';
import {
  DEFAULT_BATCH_SIZE,
  DEFAULT_RETRY,
} from '../../src/projections/engine/projection-runner.js';
import { VIEW_PROJECTIONS } from '../../src/projections/views/index.js';
import { lastLoggedPosition } from '../support/log-head.js';
import { seededRandom } from '../../src/shared/seeded-random.js';
import { testSeed } from '../support/test-seed.js';
import { appendLog, generateHistory } from './projected-events.js';
import { useProjectionDatabase } from './projection-database.fixture.js';
import {
  type CheckpointRow,
  checkpointRows,
  compareTables,
  liveTables,
  positionOf,
  shadowTables,
} from './projection-tables.js';

/**
 * The view projectors, in a process of their own, SIGKILLed at random points while they
 * catch up on a 50,000-event log and restarted each time until they reach its head. A
 * kill may land anywhere: between batches, inside a batch's transaction, while its
 * COMMIT is on the wire. Every view must then be what a clean build of the same log
 * gives, and every checkpoint must have counted each event of the log exactly once.
 *
 * LEDGER_TEST_SEED=<n> repeats a run's kill plan and log shape; the seed is printed.
 */
const SEED = testSeed('crash-recovery');

const LOG_EVENTS = 50_000;
/** Each generated segment is a trading history of its own accounts (about 2,000 events). */
const SEGMENT_MIN_EVENTS = 1_500;
/** Appends take each stream's events within a window of the log as one multi-event append. */
const APPEND_WINDOW = 5_000;
const PROGRESS_TIMEOUT_MS = 60_000;
const POLL_MS = 20;
const CLEAN = 'clean';
/** What projector-process.ts names its database sessions. */
const PROJECTOR_APPLICATION_NAME = 'ledger-crash-test-projector';

const REPO_ROOT = fileURLToPath(new URL('../../', import.meta.url));
const PROJECTOR_SCRIPT = fileURLToPath(new URL('./support/projector-process.ts', import.meta.url));

/**
 * A realistic log of exactly `count` events: generated trading histories, each over
 * accounts of its own, interleaved at random as concurrent customers would be, each
 * kept in its own order. Cutting the end off leaves some orders open, as a live log has.
 */
function realisticLog(random: () => number, count: number): ProjectedEvent[] {
  const segments: ProjectedEvent[][] = [];
  for (let generated = 0; generated < count;) {
    const segmentSeed = Math.floor(random() * 2 ** 32);
    const { events } = generateHistory(seededRandom(segmentSeed), SEGMENT_MIN_EVENTS);
    segments.push(events);
    generated += events.length;
  }
  const next = segments.map(() => 0);
  const log: ProjectedEvent[] = [];
  while (log.length < count) {
    const open = segments.flatMap((segment, i) => (next[i]! < segment.length ? [i] : []));
    const i = open[Math.floor(random() * open.length)]!;
    log.push(segments[i]![next[i]!++]!);
  }
  return log;
}

/** A projector child process. */
interface Projector {
  readonly child: ChildProcess;
  /** Resolves once its runners have started; rejects if it exits first. */
  readonly ready: Promise<void>;
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  /** The end of what it wrote to stderr. */
  stderr(): string;
}

function startProjector(databaseUrl: string, batchSize: number): Projector {
  const child = spawn(process.execPath, ['--import', 'tsx', PROJECTOR_SCRIPT], {
    cwd: REPO_ROOT,
    env: {
      ...process.env,
      DATABASE_URL: databaseUrl,
      LEDGER_PROJECTION_BATCH_SIZE: String(batchSize),
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stderr!.on('data', (chunk: Buffer) => {
    stderr = (stderr + chunk.toString()).slice(-4_000);
  });
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.once('exit', (code, signal) => resolve({ code, signal })),
  );
  const ready = new Promise<void>((resolve, reject) => {
    child.stdout!.on('data', (chunk: Buffer) => {
      stdout += chunk.toString();
      if (stdout.includes('"ready":true')) resolve();
    });
    void exited.then((exit) =>
      reject(
        new Error(`projector exited before it was ready (${JSON.stringify(exit)}): ${stderr}`),
      ),
    );
  });
  return { child, ready, exited, stderr: () => stderr };
}

interface KillStep {
  /** Killed once the projections together have applied at least this many events. */
  readonly threshold: number;
  readonly batchSize: number;
  /** Then waits this long before the kill, to land anywhere in a batch's cycle. */
  readonly jitterMs: number;
}

function killPlan(random: () => number): { kills: KillStep[]; finalBatchSize: number } {
  const batchSize = (): number =>
    random() < 0.5 ? DEFAULT_BATCH_SIZE : 50 + Math.floor(random() * 951);
  const total = LOG_EVENTS * VIEW_PROJECTIONS.length;
  const count = 5 + Math.floor(random() * 4);
  const thresholds = Array.from({ length: count }, () => Math.floor(random() * 0.9 * total));
  thresholds.sort((a, b) => a - b);
  const kills = thresholds.map((threshold) => ({
    threshold,
    batchSize: batchSize(),
    jitterMs: Math.floor(random() * 150),
  }));
  return { kills, finalBatchSize: batchSize() };
}

describe('view projectors killed at random points while catching up', () => {
  const db = useProjectionDatabase({ poolSize: 12 });
  let head: Position;
  const projectors: Projector[] = [];

  beforeAll(async () => {
    const started = Date.now();
    const log = realisticLog(seededRandom(SEED), LOG_EVENTS);
    const generated = Date.now();
    const appends = await appendLog(db.store, log, APPEND_WINDOW);
    head = await lastLoggedPosition(db.pool);
    console.log(
      `log: ${log.length} events generated in ${generated - started} ms, ` +
        `written in ${appends} appends in ${Date.now() - generated} ms; head ${encodePosition(head)}`,
    );
  });
  afterAll(async () => {
    for (const projector of projectors) {
      if (projector.child.exitCode === null && projector.child.signalCode === null) {
        projector.child.kill('SIGKILL');
        await projector.exited;
      }
    }
  });

  function checkpoints(): Promise<Map<string, CheckpointRow>> {
    return checkpointRows(db.pool);
  }

  /** Events applied by the live projections together. */
  function applied(rows: Map<string, CheckpointRow>): number {
    return VIEW_PROJECTIONS.reduce(
      (sum, projection) => sum + Number(rows.get(projection.name)?.events_applied ?? 0),
      0,
    );
  }

  async function progress(): Promise<number> {
    return applied(await checkpoints());
  }

  /** The projector's transactions open now (on the server): a kill now interrupts them. */
  async function openTransactions(): Promise<number> {
    const { rows } = await db.pool.query<{ open: number }>(
      `SELECT count(*)::int AS open FROM pg_stat_activity
        WHERE application_name = $1 AND xact_start IS NOT NULL AND state <> 'idle'`,
      [PROJECTOR_APPLICATION_NAME],
    );
    return rows[0]!.open;
  }

  /**
   * The server's oldest open transactions, for a stall's report: the log's readers see
   * only transactions older than every running one, on the whole server.
   */
  async function oldestTransactions(): Promise<string> {
    const { rows } = await db.pool.query<{ session: string }>(
      `SELECT format('%s/%s %s %s for %s', datname, application_name, state,
                     coalesce(backend_xid::text, backend_xmin::text), now() - xact_start) AS session
         FROM pg_stat_activity WHERE xact_start IS NOT NULL AND pid <> pg_backend_pid()
        ORDER BY xact_start LIMIT 5`,
    );
    return rows.map((row) => row.session).join('; ');
  }

  /** Polls until `done`, failing fast if the projector exits or a projection stops. */
  async function waitFor(
    projector: Projector,
    what: string,
    done: (rows: Map<string, CheckpointRow>) => boolean,
  ): Promise<void> {
    const deadline = Date.now() + PROGRESS_TIMEOUT_MS;
    for (;;) {
      const rows = await checkpoints();
      if (done(rows)) return;
      const stopped = [...rows.values()].find((row) => row.status === 'stopped');
      if (stopped) throw new Error(`${stopped.projection} stopped: ${stopped.last_error}`);
      if (projector.child.exitCode !== null || projector.child.signalCode !== null) {
        throw new Error(`projector exited while waiting for ${what}: ${projector.stderr()}`);
      }
      if (Date.now() > deadline) {
        const where = [...rows.values()].map(
          (row) => `${row.projection} ${row.events_applied} at ${encodePosition(positionOf(row))}`,
        );
        throw new Error(
          `no ${what} within ${PROGRESS_TIMEOUT_MS} ms; checkpoints: ${where.join(', ')}; ` +
            `oldest transactions on the server: ${await oldestTransactions()}; ` +
            `projector stderr: ${projector.stderr()}`,
        );
      }
      await sleep(POLL_MS);
    }
  }

  function launch(batchSize: number): Projector {
    const projector = startProjector(db.url, batchSize);
    projectors.push(projector);
    return projector;
  }

  interface Kill {
    readonly killedAt: number;
    readonly afterKill: number;
    readonly open: number;
    readonly ms: number;
  }

  /** Starts a projector for each step and SIGKILLs it once it has applied the step's share. */
  async function killEach(steps: readonly KillStep[]): Promise<Kill[]> {
    const kills: Kill[] = [];
    for (const step of steps) {
      const started = Date.now();
      const projector = launch(step.batchSize);
      await projector.ready;
      await waitFor(
        projector,
        `${step.threshold} events applied`,
        (rows) => applied(rows) >= step.threshold,
      );
      await sleep(step.jitterMs);
      const killedAt = await progress();
      const open = await openTransactions();
      projector.child.kill('SIGKILL');
      const exit = await projector.exited;
      expect(exit.signal).toBe('SIGKILL');
      // A COMMIT already on the wire still lands after the kill.
      kills.push({ killedAt, afterKill: await progress(), open, ms: Date.now() - started });
    }
    return kills;
  }

  /** The clean build: the same runners, never killed, into shadow tables; by projection. */
  async function buildClean(): Promise<Map<string, TableNames>> {
    const started = Date.now();
    const cleanTables = new Map<string, TableNames>();
    const bindings = [];
    for (const projection of VIEW_PROJECTIONS) {
      const tables = await shadowTables(db.pool, projection, CLEAN);
      cleanTables.set(projection.name, tables);
      bindings.push({ projection, checkpointName: `${projection.name}:${CLEAN}`, tables });
    }
    const runner = db.runner(bindings, {
      batchSize: DEFAULT_BATCH_SIZE,
      retry: DEFAULT_RETRY,
      onFailure: 'stop',
    });
    await runner.catchUpTo(new Map(bindings.map((binding) => [binding.checkpointName, head])));
    console.log(`clean build in ${Date.now() - started} ms`);
    return cleanTables;
  }

  it('end with the views of a clean build, each event applied exactly once', async () => {
    const total = LOG_EVENTS * VIEW_PROJECTIONS.length;
    const plan = killPlan(seededRandom(SEED ^ 0x5eed));
    console.log(
      `kill plan: ${plan.kills.length} kills at ${plan.kills
        .map((k) => `${k.threshold}+${k.jitterMs}ms (batch ${k.batchSize})`)
        .join(', ')}; then batch ${plan.finalBatchSize} to the head`,
    );

    const crashStarted = Date.now();
    const kills = await killEach(plan.kills);

    const final = launch(plan.finalBatchSize);
    await final.ready;
    await waitFor(final, 'every checkpoint at the head', (rows) =>
      VIEW_PROJECTIONS.every((projection) => {
        const row = rows.get(projection.name);
        return row !== undefined && comparePositions(positionOf(row), head) === 0;
      }),
    );
    final.child.kill('SIGTERM');
    const finalExit = await Promise.race([final.exited, sleep(10_000, 'timeout' as const)]);
    if (finalExit === 'timeout') final.child.kill('SIGKILL');
    console.log(
      `kills (events applied by the 4 projections, of ${total}): ${kills
        .map((k) => `${k.killedAt}->${k.afterKill} (${k.open} open transactions) after ${k.ms} ms`)
        .join(', ')}; all at the head ${Date.now() - crashStarted} ms after the first start`,
    );
    // The kills came while the projectors were catching up, not after.
    expect(kills.filter((k) => k.afterKill < total).length).toBeGreaterThanOrEqual(
      Math.ceil(kills.length / 2),
    );

    const cleanTables = await buildClean();

    const { rows: counted } = await db.pool.query<{ events: string }>(
      'SELECT count(*) AS events FROM ledger_events',
    );
    expect(Number(counted[0]!.events)).toBe(LOG_EVENTS);
    const { rows: parked } = await db.pool.query('SELECT * FROM ledger_projection_parked');
    expect(parked).toEqual([]);

    const rows = await checkpoints();
    const actual = [];
    const expected = [];
    for (const projection of VIEW_PROJECTIONS) {
      const live = rows.get(projection.name)!;
      const cleanRow = rows.get(`${projection.name}:${CLEAN}`)!;
      const clean = cleanTables.get(projection.name)!;
      const tables = await compareTables(db.pool, liveTables(projection), clean);
      for (const { table, reference } of tables) {
        expect(reference.rows, `${clean[table]} is empty`).toBeGreaterThan(0);
      }
      actual.push({
        projection: projection.name,
        status: live.status,
        lastError: live.last_error,
        position: encodePosition(positionOf(live)),
        eventsApplied: Number(live.events_applied),
        cleanEventsApplied: Number(cleanRow.events_applied),
        tables,
      });
      expected.push({
        projection: projection.name,
        status: 'running',
        lastError: null,
        position: encodePosition(head),
        eventsApplied: LOG_EVENTS,
        cleanEventsApplied: LOG_EVENTS,
        tables: tables.map(({ table, reference }) => ({ table, projected: reference, reference })),
      });
    }
    expect(actual).toEqual(expected);
  }, 150_000);
});
