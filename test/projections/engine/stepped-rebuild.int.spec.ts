import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { loadConfig } from '../../../src/config/ledger-config.js';
import { CheckpointProgress } from '../../../src/event-store/checkpoint-progress.js';
import { Leaderships } from '../../../src/infrastructure/leadership/leaderships.service.js';
import {
  type Position,
  comparePositions,
  encodePosition,
} from '../../../src/event-store/position.js';
import { liveBinding } from '../../../src/projections/engine/projection.js';
import { type RebuildReport } from '../../../src/projections/engine/projection-rebuilder.js';
import { type CommittedStep } from '../../../src/projections/engine/shadow-bulk-load.js';
import { TablesSnapshot } from '../../../src/projections/engine/view-tables.repository.js';
import { DEFAULT_RETRY } from '../../../src/projections/engine/projection-runner.js';
import { ProjectionsService } from '../../../src/projections/projections.service.js';
import { VIEW_PROJECTIONS } from '../../../src/projections/views/index.js';
import { seededRandom } from '../../../src/shared/seeded-random.js';
import { appendLog, generateHistory } from '../projected-events.js';
import { useProjectionDatabase } from '../projection-database.fixture.js';
import {
  checkpointRows,
  lastLogPosition,
  positionOf,
  viewDigests,
  viewsReached,
} from '../projection-tables.js';

/**
 * A rebuild's bulk load commits in bounded steps, each with the shadows' checkpoints, so
 * that no transaction of it holds back the log's readers for long; a rebuild killed
 * between two steps leaves the live views serving, and the next one starts over.
 */
const LOG_EVENTS = 1_500;
const BATCH_SIZE = 50;
const STEP_EVENTS = 200;
const APPEND_WINDOW = 300;

const REPO_ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const REBUILD_SCRIPT = fileURLToPath(new URL('../support/rebuild-process.ts', import.meta.url));

describe('blue/green rebuild in bounded steps', () => {
  const db = useProjectionDatabase({ scope: 'test', poolSize: 10 });
  /** The last event of the log: where the live views must get to. */
  let last: Position;
  let observer: pg.Client;

  beforeEach(async () => {
    const { events } = generateHistory(seededRandom(7), LOG_EVENTS);
    await appendLog(db.store, events, APPEND_WINDOW);
    last = await lastPosition();
    db.runner(VIEW_PROJECTIONS.map(liveBinding), {
      batchSize: 200,
      retry: DEFAULT_RETRY,
      onFailure: 'stop',
    }).start();
    await liveCaughtUp();
    // Another session, as the log's readers are: it sees only what has committed.
    observer = new pg.Client({ connectionString: db.url });
    await observer.connect();
  });
  afterEach(async () => {
    await observer.end();
  });

  const lastPosition = () => lastLogPosition(db.pool);

  async function liveCaughtUp(): Promise<void> {
    await expect.poll(() => viewsReached(db.pool, last), { timeout: 30_000 }).toBe(true);
  }

  const liveDigests = () => viewDigests(db.pool);

  /** Tables and checkpoints a rebuild leaves behind: none, once it has ended. */
  async function leftovers(): Promise<string[]> {
    const { rows } = await db.pool.query<{ name: string }>(
      `SELECT tablename AS name FROM pg_tables
        WHERE tablename LIKE '%\\_\\_shadow' OR tablename LIKE '%\\_\\_retired'
       UNION ALL
       SELECT projection FROM ledger_projection_checkpoints WHERE projection LIKE '%#rebuild'
       ORDER BY name`,
    );
    return rows.map((row) => row.name);
  }

  function expectAllSwapped(reports: readonly RebuildReport[]): void {
    expect(reports.map((report) => [report.projection, report.swapped])).toEqual(
      VIEW_PROJECTIONS.map((projection) => [projection.name, true]),
    );
    for (const report of reports) {
      for (const parity of report.parity) {
        expect(parity, `${report.projection}: ${parity.table}`).toMatchObject({ equal: true });
        expect(parity.live.rows).toBeGreaterThan(0);
      }
    }
  }

  /** The shadows' checkpoint and rows, as another session sees them. */
  async function committedShadow(): Promise<{ position: Position; statements: number }> {
    const { rows } = await observer.query<{ commit: string; prepare: string; lines: string }>(
      `SELECT commit_position::text AS commit, prepare_position::text AS prepare,
              (SELECT count(*) FROM view_account_statements__shadow)::text AS lines
         FROM ledger_projection_checkpoints WHERE projection = 'accounts#rebuild'`,
    );
    const row = rows[0]!;
    return {
      position: { commit: BigInt(row.commit), prepare: BigInt(row.prepare) },
      statements: Number(row.lines),
    };
  }

  /**
   * A rebuild of every view in a process of its own, SIGKILLed once its bulk load has
   * committed `steps` steps: the steps it reported.
   */
  async function killedRebuild(steps: number): Promise<{ step: number; position: string }[]> {
    const child = spawn(process.execPath, ['--import', 'tsx', REBUILD_SCRIPT], {
      cwd: REPO_ROOT,
      env: {
        ...process.env,
        DATABASE_URL: db.url,
        LEDGER_REBUILD_BATCH_SIZE: String(BATCH_SIZE),
        LEDGER_REBUILD_STEP_EVENTS: String(STEP_EVENTS),
        LEDGER_REBUILD_KILL_AFTER_STEPS: String(steps),
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const exit = await new Promise<NodeJS.Signals | number | null>((resolve) =>
      child.once('exit', (code, signal) => resolve(signal ?? code)),
    );
    expect(exit, stderr).toBe('SIGKILL');
    return stdout
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line) as { step: number; position: string });
  }

  it('commits each step with the checkpoints and gives views identical to the live ones', async () => {
    const steps: CommittedStep[] = [];
    const seen: { position: Position; statements: number }[] = [];
    const reports = await db.rebuilder().rebuild(VIEW_PROJECTIONS, {
      batchSize: BATCH_SIZE,
      alignTimeoutMs: 20_000,
      steps: { maxEvents: STEP_EVENTS, maxMs: 60_000 },
      onStep: async (step) => {
        steps.push(step);
        seen.push(await committedShadow());
      },
    });
    expectAllSwapped(reports);
    // The views read a good share of the log: several steps, each of at most
    // STEP_EVENTS events (a multiple of the page), each committed on its own.
    expect(steps.length).toBeGreaterThanOrEqual(3);
    steps.forEach((step, index) => {
      const before = index === 0 ? 0 : steps[index - 1]!.applied;
      expect(step.step).toBe(index + 1);
      expect(step.applied - before).toBeGreaterThan(0);
      expect(step.applied - before).toBeLessThanOrEqual(STEP_EVENTS);
      expect(encodePosition(seen[index]!.position)).toBe(encodePosition(step.position));
    });
    const lines = seen.map((s) => s.statements);
    expect(lines).toEqual([...lines].sort((a, b) => a - b));
    expect(lines[0]).toBeLessThan(lines.at(-1)!);
    expect(await leftovers()).toEqual([]);
  });

  it('keeps each transaction of the load within the time bound', async () => {
    // A step ends after the page that reaches maxMs: with 0, every page is a step.
    const steps: CommittedStep[] = [];
    const oldest = new Map<string, number>();
    let sampling = true;
    // The server's view of every open transaction that has written on this database:
    // those hold back the oldest running transaction id the log's readers read below.
    const sampler = (async () => {
      while (sampling) {
        const { rows } = await observer.query<{ key: string; ms: number }>(
          `SELECT pid || '@' || xact_start AS key,
                  extract(epoch FROM clock_timestamp() - xact_start) * 1000 AS ms
             FROM pg_stat_activity
            WHERE datname = current_database() AND backend_xid IS NOT NULL
              AND pid <> pg_backend_pid()`,
        );
        for (const { key, ms } of rows) oldest.set(key, Math.max(oldest.get(key) ?? 0, ms));
      }
    })();
    const reports = await db.rebuilder().rebuild(VIEW_PROJECTIONS, {
      batchSize: BATCH_SIZE,
      alignTimeoutMs: 20_000,
      steps: { maxEvents: Number.MAX_SAFE_INTEGER, maxMs: 0 },
      onStep: (step) => void steps.push(step),
    });
    sampling = false;
    await sampler;
    expectAllSwapped(reports);
    // A page a step; after a full last page, one more step finds the log's end.
    const sizes = steps.map((step, index) => step.applied - (steps[index - 1]?.applied ?? 0));
    const loaded = steps.at(-1)!.applied;
    expect(sizes.filter((size) => size > 0).length).toBe(Math.ceil(loaded / BATCH_SIZE));
    expect(sizes.slice(0, -1).every((size) => size > 0 && size <= BATCH_SIZE)).toBe(true);
    // Several transactions were seen, none open for long (a page's work is a few ms;
    // the bound leaves room for a busy machine).
    expect(oldest.size).toBeGreaterThan(1);
    expect(Math.max(...oldest.values())).toBeLessThan(1_000);
  });

  it('leaves the live projectors running while the copies are compared, and swaps in what they applied meanwhile', async () => {
    // The comparison reads every row of every view: a pause for it would grow with the views.
    const compare = TablesSnapshot.prototype.fingerprints;
    let appendedDuringComparison = false;
    const spy = vi
      .spyOn(TablesSnapshot.prototype, 'fingerprints')
      .mockImplementation(async function (this: TablesSnapshot, a, b) {
        if (!appendedDuringComparison) {
          appendedDuringComparison = true;
          const { events: more } = generateHistory(seededRandom(9), 50);
          await appendLog(db.store, more, APPEND_WINDOW);
          last = await lastPosition();
          await liveCaughtUp();
        }
        return compare.call(this, a, b);
      });
    try {
      const reports = await db.rebuilder().rebuild(VIEW_PROJECTIONS, {
        batchSize: BATCH_SIZE,
        alignTimeoutMs: 20_000,
      });
      expectAllSwapped(reports);
    } finally {
      spy.mockRestore();
    }
    expect(appendedDuringComparison).toBe(true);
    // The copies swapped in hold the events the live projectors applied during the comparison.
    const swapped = await liveDigests();
    await db
      .rebuilder()
      .rebuild(VIEW_PROJECTIONS, { batchSize: BATCH_SIZE, alignTimeoutMs: 20_000 });
    expect(await liveDigests()).toEqual(swapped);
    const rows = await checkpointRows(db.pool);
    for (const projection of VIEW_PROJECTIONS) {
      expect(encodePosition(positionOf(rows.get(projection.name)!))).toBe(encodePosition(last));
    }
    expect(await leftovers()).toEqual([]);
  });

  it('leaves the live views serving when killed between steps, and the next rebuild starts over', async () => {
    const before = await liveDigests();
    const steps = await killedRebuild(2);
    expect(steps.map((step) => step.step)).toEqual([1, 2]);

    // Half a shadow was left behind, at its second step, beside the live tables.
    const stray = await committedShadow();
    expect(encodePosition(stray.position)).toBe(steps[1]!.position);
    expect(comparePositions(stray.position, last)).toBeLessThan(0);
    expect(stray.statements).toBeGreaterThan(0);
    // The live views are untouched and still the ones served and followed.
    expect(await liveDigests()).toEqual(before);
    const { events: more } = generateHistory(seededRandom(8), 100);
    await appendLog(db.store, more, APPEND_WINDOW);
    last = await lastPosition();
    await liveCaughtUp();
    expect(await liveDigests()).not.toEqual(before);

    // The next rebuild drops the half shadows and loads from the start of the log.
    const steps2: CommittedStep[] = [];
    const reports = await db.rebuilder().rebuild(VIEW_PROJECTIONS, {
      batchSize: BATCH_SIZE,
      alignTimeoutMs: 20_000,
      steps: { maxEvents: STEP_EVENTS, maxMs: 60_000 },
      onStep: (step) => void steps2.push(step),
    });
    expectAllSwapped(reports);
    // From the start, not from where the killed one stopped.
    expect(comparePositions(steps2[0]!.position, stray.position)).toBeLessThan(0);
    expect(await leftovers()).toEqual([]);
  });

  it('drops its shadows when a step fails, the live views untouched', async () => {
    const before = await liveDigests();
    const rebuild = db.rebuilder().rebuild(VIEW_PROJECTIONS, {
      batchSize: BATCH_SIZE,
      alignTimeoutMs: 20_000,
      steps: { maxEvents: STEP_EVENTS, maxMs: 60_000 },
      onStep: (step) => {
        if (step.step === 2) throw new Error('stopped after two steps');
      },
    });
    await expect(rebuild).rejects.toThrow('stopped after two steps');
    expect(await leftovers()).toEqual([]);
    expect(await liveDigests()).toEqual(before);
  });

  it('finds what a killed rebuild left, and the app drops it when it starts', async () => {
    const before = await liveDigests();
    await killedRebuild(1);
    const rebuilder = db.rebuilder();
    const abandoned = await rebuilder.abandoned(VIEW_PROJECTIONS);
    expect(abandoned.map((projection) => projection.name)).toEqual(
      VIEW_PROJECTIONS.map((projection) => projection.name),
    );
    expect(await leftovers()).not.toEqual([]);
    // The app's start, without its projectors (they run here already).
    const service = new ProjectionsService(
      db.store,
      db.pool,
      loadConfig({ LEDGER_PROJECTIONS: 'off' }),
      new CheckpointProgress(),
      new Leaderships(db.pool),
    );
    await service.onApplicationBootstrap();
    expect(await leftovers()).toEqual([]);
    expect(await rebuilder.abandoned(VIEW_PROJECTIONS)).toEqual([]);
    expect(await liveDigests()).toEqual(before);
  });
});
