/**
 * Export throughput: the whole log to Parquet (DuckDB, zstd, by day) through the
 * event-store port, in events per second and the exporting process's peak RSS, for a
 * log of `--events` and one of `--large-events` (memory must stay flat as the log grows).
 * Beside it, in the same run, the ceiling: PostgreSQL writing the same rows to a file
 * itself (`COPY (SELECT …) TO '<file>'`, text format). `npm run bench:export -- --help`.
 */
import { execFile } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import type pg from 'pg';
import { migrate } from '../../src/infrastructure/database/migrator.js';
import { MIGRATIONS } from '../../src/infrastructure/database/migrations/index.js';
import { seededRandom } from '../../src/shared/seeded-random.js';
import {
  HistoryGenerator,
  defaultHistoryOptions,
} from '../../test-kit/trading-history.generator.js';
import { loadHistory } from '../../test-kit/history-loader.js';
import { VerificationError, log } from '../bench-session.js';
import { type Spread, formatRate, formatSpread, renderTable, spread } from '../stats.js';
import { type BenchContext, runBench, settle } from '../read-side/harness.js';

const OPTIONS = {
  events: { kind: 'int', description: 'events in the first log', full: 1_000_000, quick: 5_000 },
  'large-events': {
    kind: 'int',
    description: 'events in the second, larger log (flat memory), 0 for none',
    full: 2_000_000,
    quick: 10_000,
    min: 0,
  },
  seed: { kind: 'int', description: 'history PRNG seed', full: 42, quick: 42 },
} as const;

const GOAL_EVENTS_PER_SECOND = 150_000;
const GOAL_PEAK_RSS_BYTES = 500 * 2 ** 20;

const run = promisify(execFile);
const EXPORT_PROCESS = fileURLToPath(new URL('./export-process.js', import.meta.url));

interface ExportRun {
  readonly events: number;
  readonly seconds: number;
  readonly maxRssBytes: number;
}

async function exportOnce(url: string): Promise<ExportRun> {
  const directory = await mkdtemp(join(tmpdir(), 'ledger-bench-export-'));
  try {
    const { stdout } = await run(process.execPath, [EXPORT_PROCESS, url, directory], {
      maxBuffer: 1 << 20,
    });
    return JSON.parse(stdout.trim().split('\n').at(-1)!) as ExportRun;
  } finally {
    await rm(directory, { recursive: true, force: true });
  }
}

/** The same rows, written to a file by PostgreSQL itself: what no client can beat. */
async function copyCeiling(pool: pg.Pool): Promise<number> {
  const file = join(tmpdir(), `ledger-bench-copy-${process.pid}.txt`);
  const started = performance.now();
  const result = await pool.query(
    `COPY (SELECT tx_id, seq, event_id, stream_id, revision, type, data, metadata, created_at
           FROM ledger_events ORDER BY tx_id, seq) TO '${file}'`,
  );
  const seconds = (performance.now() - started) / 1_000;
  await rm(file, { force: true });
  return (result.rowCount ?? 0) / seconds;
}

interface SizeResult {
  readonly events: number;
  readonly eventsPerSecond: Spread;
  readonly peakRssBytes: Spread;
  readonly copyCeilingEventsPerSecond: Spread;
}

async function measureSize(
  context: BenchContext<typeof OPTIONS>,
  minEvents: number,
): Promise<SizeResult> {
  const database = await context.database(`export_${minEvents}`);
  const pool = context.pool(database.url, 4);
  await migrate(pool, MIGRATIONS);
  const generator = new HistoryGenerator(
    seededRandom(context.options.seed, 'export'),
    defaultHistoryOptions(minEvents),
  );
  const loaded = await loadHistory(pool, generator, minEvents);
  log(`  loaded ${loaded.events.toLocaleString('en-US')} events in ${loaded.seconds.toFixed(1)} s`);
  const runs: ExportRun[] = [];
  const ceilings: number[] = [];
  for (let i = 0; i < context.options.runs; i++) {
    await settle(pool);
    const exported = await exportOnce(database.url);
    if (exported.events !== loaded.events) {
      throw new VerificationError(`exported ${exported.events} of ${loaded.events} events`);
    }
    runs.push(exported);
    await settle(pool);
    ceilings.push(await copyCeiling(pool));
    log(
      `  run ${i + 1}: ${formatRate(exported.events / exported.seconds)} events, peak RSS ` +
        `${(exported.maxRssBytes / 2 ** 20).toFixed(0)} MiB; COPY to file ${formatRate(ceilings.at(-1)!)}`,
    );
  }
  return {
    events: loaded.events,
    eventsPerSecond: spread(runs.map((r) => r.events / r.seconds)),
    peakRssBytes: spread(runs.map((r) => r.maxRssBytes)),
    copyCeilingEventsPerSecond: spread(ceilings),
  };
}

const mib = (bytes: number): string => `${(bytes / 2 ** 20).toFixed(0)} MiB`;

runBench({
  name: 'export-throughput',
  title: 'Export throughput: the event log to Parquet through the event-store port',
  script: 'dist/bench/exports/export-throughput.bench.js',
  summary:
    'Exports a generated log to Parquet in a child process (events/s, peak RSS), beside PostgreSQL COPY of the same rows to a file.',
  options: OPTIONS,
  describe: (options) =>
    `logs of ${options.events} and ${options['large-events']} events, ${options.runs} run(s) each`,
  async run(context) {
    const sizes = [context.options.events, context.options['large-events']].filter((n) => n > 0);
    const results: SizeResult[] = [];
    for (const size of sizes) results.push(await measureSize(context, size));
    log();
    log(
      renderTable(
        [
          'log events',
          'export events/s (median, min – max)',
          'peak RSS (median)',
          'COPY to file events/s',
        ],
        results.map((r) => [
          r.events.toLocaleString('en-US'),
          formatSpread(r.eventsPerSecond),
          mib(r.peakRssBytes.median),
          formatSpread(r.copyCeilingEventsPerSecond),
        ]),
      ),
    );
    const met = results.every(
      (r) =>
        r.eventsPerSecond.median >= GOAL_EVENTS_PER_SECOND &&
        r.peakRssBytes.median < GOAL_PEAK_RSS_BYTES,
    );
    log(
      `Goal (${formatRate(GOAL_EVENTS_PER_SECOND)} events, peak RSS under ${mib(GOAL_PEAK_RSS_BYTES)}): ${met ? 'met' : 'NOT met'}`,
    );
    return {
      goal: { eventsPerSecond: GOAL_EVENTS_PER_SECOND, peakRssBytes: GOAL_PEAK_RSS_BYTES, met },
      sizes: results,
    };
  },
});
