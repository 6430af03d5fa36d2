import { spawn } from 'node:child_process';
import { readdir } from 'node:fs/promises';
import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PostgresEventStore } from '../../src/infrastructure/event-store/postgres/postgres.event-store.js';
import { ExportsService } from '../../src/exports/exports.service.js';
import { ExportBusyError } from '../../src/exports/export.errors.js';
import { readManifests } from '../../src/exports/export-files.js';
import { type EventsManifest } from '../../src/exports/export-manifest.js';
import { encodePosition, START } from '../../src/event-store/position.js';
import { seededRandom } from '../../src/shared/seeded-random.js';
import { testSeed } from '../support/test-seed.js';
import { useMigratedDatabase } from '../support/test-database.js';
import {
  TEST_COMMAND,
  appendAccount,
  filesBelow,
  loadTradingLog,
  parquetOf,
  queryExport,
  removeDirectory,
  temporaryDirectory,
  waitForHead,
} from './export-fixture.js';

const SCRIPT = 'test/exports/support/export-process.ts';
const LOG_EVENTS = 10_000;
const KILLS = 5;

const database = useMigratedDatabase();
let directory: string;
let store: PostgresEventStore;
let service: ExportsService;

beforeAll(async () => {
  await loadTradingLog(database.pool, LOG_EVENTS);
  store = new PostgresEventStore(database.pool);
  service = new ExportsService(store, database.pool);
  directory = await temporaryDirectory();
  await service.create('killed', directory, 'parquet');
});

afterAll(() => removeDirectory(directory));

/**
 * Starts a run of `name` in a child process and SIGKILLs it `delayMs` after it started (if
 * still running); answers whether it finished first, and how long it ran.
 */
async function killedRun(
  name: string,
  delayMs: number,
): Promise<{ finished: boolean; ms: number }> {
  const child = spawn(process.execPath, ['--import', 'tsx', SCRIPT], {
    env: { ...process.env, DATABASE_URL: database.url, EXPORT_NAME: name },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stderr.on('data', (chunk: Buffer) => (stderr = (stderr + chunk.toString()).slice(-2_000)));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  await new Promise<void>((resolve, reject) => {
    child.stdout.on('data', (chunk: Buffer) => {
      stdout += chunk.toString();
      if (stdout.includes('"ready":true')) resolve();
    });
    void exited.then(() =>
      reject(new Error(`export process exited before it was ready: ${stderr}`)),
    );
  });
  const started = performance.now();
  await Promise.race([sleep(delayMs), exited]);
  child.kill('SIGKILL');
  await exited;
  return { finished: stdout.includes('"done":true'), ms: performance.now() - started };
}

/** How long the server may take to end a killed exporter's session (and free its lock). */
const KILLED_SESSION_BOUND_MS = 10_000;

/**
 * The next run after a kill, as a scheduler would retry it: the killed process's session
 * holds the export's lock until the server notices the connection is gone, and until
 * then a run is refused with EXPORT_BUSY (nothing written).
 */
async function runAfterKill(name: string): Promise<void> {
  const deadline = performance.now() + KILLED_SESSION_BOUND_MS;
  for (;;) {
    try {
      await service.run(name, TEST_COMMAND);
      return;
    } catch (error) {
      if (!(error instanceof ExportBusyError) || performance.now() > deadline) throw error;
      await sleep(50);
    }
  }
}

/** The export's state after its final run: a chain of runs covering the log once. */
async function expectWhole(name: string, directory: string): Promise<void> {
  const head = await store.headPosition();
  const definition = await service.find(name);
  expect(definition.checkpoint).toEqual(head);
  const runs = (await readManifests(directory))
    .map(({ manifest }) => manifest as EventsManifest)
    .sort((a, b) => a.run! - b.run!);
  // The runs chain: each starts where the one before ended, from the start of the log.
  expect(runs.map((run) => run.fromPosition)).toEqual([
    encodePosition(START),
    ...runs.slice(0, -1).map((run) => run.toPosition),
  ]);
  const { rows } = await database.pool.query<{ count: string }>(
    'SELECT count(*) FROM ledger_events',
  );
  const [exported] = await queryExport<{ rows: bigint; positions: bigint }>(
    `SELECT count(*) AS rows, count(DISTINCT position) AS positions FROM ${parquetOf(directory, 'events')}`,
  );
  expect(Number(exported!.rows)).toBe(Number(rows[0]!.count));
  expect(Number(exported!.positions)).toBe(Number(rows[0]!.count));
  // Nothing but what the manifests list, and no staging left.
  const listed = runs.flatMap((run) => run.files.map((file) => file.path)).sort();
  expect((await filesBelow(directory)).filter((path) => !path.startsWith('_manifests'))).toEqual(
    listed,
  );
  expect(await readdir(directory)).not.toContain('.staging');
}

describe('an export killed at random points', () => {
  it('leaves nothing the next run double-counts or skips', { timeout: 240_000 }, async () => {
    // A whole run's time on this machine, so that the kills land anywhere in one (or after).
    const timing = await temporaryDirectory();
    await service.create('timing', timing, 'parquet');
    const { ms: runMs } = await killedRun('timing', 600_000);
    await removeDirectory(timing);
    const random = seededRandom(testSeed('export-kill'), 'kills');
    const outcomes: string[] = [];
    for (let kill = 0; kill < KILLS; kill++) {
      // A few events more, so that each run after a kill has a longer range than the one killed.
      await appendAccount(store, 'EUR');
      const delayMs = Math.floor(random() * runMs * 1.2);
      const { finished } = await killedRun('killed', delayMs);
      outcomes.push(`${delayMs} ms: ${finished ? 'finished' : 'killed'}`);
    }
    // Each a new export, so that every kill lands in a run over the whole log (a run after
    // one that finished has only the few events appended since).
    for (let kill = 0; kill < KILLS; kill++) {
      const name = `killed-whole-${kill}`;
      const fresh = await temporaryDirectory();
      await service.create(name, fresh, 'parquet');
      const delayMs = Math.floor(random() * runMs);
      const { finished } = await killedRun(name, delayMs);
      outcomes.push(`${name} ${delayMs} ms: ${finished ? 'finished' : 'killed'}`);
      await runAfterKill(name);
      await expectWhole(name, fresh);
      await removeDirectory(fresh);
    }
    console.log(`export kills (a run takes ${Math.round(runMs)} ms): ${outcomes.join(', ')}`);
    await waitForHead(store, (await appendAccount(store, 'EUR', 500n)).position);
    await runAfterKill('killed');
    await expectWhole('killed', directory);
  });
});
