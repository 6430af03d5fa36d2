/**
 * Missed events: concurrent writers append through the PostgreSQL store for a bounded
 * time while two followers read the global log:
 *   - ours: the store's `subscribeToAll` (reads only below the transaction horizon, see
 *     migration 001), from its own pool and store instance, woken by NOTIFY as a follower
 *     in another process would be;
 *   - naive: `WHERE seq > $last ORDER BY seq`, polling as fast as it can. A sequence value
 *     is taken when a row is inserted, not when it commits: a writer that took seq 10 can
 *     commit after another that took seq 11 was read, and the naive follower, already
 *     past 11, never sees 10.
 * Each follower's ids are compared with what the database holds after the writers stop
 * (and with what the writers were told was appended): missed, duplicated, out of order.
 * `npm run bench:missed -- --help` for the knobs.
 */
import { randomUUID } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import type pg from 'pg';
import { migrate } from '../../src/infrastructure/database/migrator.js';
import { MIGRATIONS } from '../../src/infrastructure/database/migrations/index.js';
import { appendersHorizonMigration } from '../../src/infrastructure/database/migrations/006-appenders-horizon.migration.js';
import { type RecordedEvent } from '../../src/event-store/event-store.port.js';
import { START, comparePositions } from '../../src/event-store/position.js';
import { PostgresEventStore } from '../../src/infrastructure/event-store/postgres/postgres.event-store.js';
import { formatRate, renderTable, spread } from '../stats.js';
import { VerificationError, log } from '../bench-session.js';
import { type BenchContext, runBench } from './harness.js';

const OPTIONS = {
  writers: { kind: 'int', description: 'concurrent writers', full: 16, quick: 16 },
  seconds: { kind: 'int', description: 'seconds the writers append, per run', full: 20, quick: 5 },
  'drain-seconds': {
    kind: 'int',
    description: 'bound on waiting for the followers to catch up after the writers stop',
    full: 30,
    quick: 15,
  },
  'batch-size': { kind: 'int', description: 'page size of both followers', full: 500, quick: 500 },
  followers: {
    kind: 'int',
    description:
      'followers of ours, each with its own store and pool (more looks, more chances to skip)',
    full: 4,
    quick: 2,
  },
  'appenders-only-horizon': {
    kind: 'flag',
    description:
      "read with migration 006's horizon rule, which let readers skip an appender whose id was not yet in pg_locks (fixed by 008)",
  },
} as const;

type Options = BenchContext<typeof OPTIONS>['options'];

interface FollowerResult {
  readonly seen: number;
  readonly distinct: number;
  readonly missed: number;
  readonly duplicated: number;
  /** Deliveries whose log position was not after the one before. */
  readonly outOfOrder: number;
  /** Ids delivered that the database does not hold: should be impossible. */
  readonly unknown: number;
  /** From the writers' stop to the follower's last new event (how far behind it was). */
  readonly caughtUpAfterMs: number;
  /** A few missed ids with their seq, for the record. */
  readonly missedSample: readonly { id: string; seq: string }[];
}

interface RunRecord {
  readonly run: number;
  readonly written: number;
  readonly acknowledged: number;
  readonly appendFailures: number;
  readonly writeSeconds: number;
  readonly eventsPerSecond: number;
  /** The worst of our followers (most missed). */
  readonly ours: FollowerResult;
  readonly oursMissedPerFollower: readonly number[];
  readonly naive: FollowerResult;
}

/** Collects what a follower delivers, and when it last saw something new. */
class Seen {
  readonly ids: string[] = [];
  private readonly distinct = new Set<string>();
  outOfOrder = 0;
  lastNewAt = 0;

  add(id: string): void {
    this.ids.push(id);
    if (!this.distinct.has(id)) {
      this.distinct.add(id);
      this.lastNewAt = performance.now();
    }
  }

  get distinctCount(): number {
    return this.distinct.size;
  }

  compare(truth: ReadonlyMap<string, string>, writersStoppedAt: number): FollowerResult {
    let unknown = 0;
    for (const id of this.distinct) if (!truth.has(id)) unknown += 1;
    const missed = [...truth.keys()].filter((id) => !this.distinct.has(id));
    return {
      seen: this.ids.length,
      distinct: this.distinct.size,
      missed: missed.length,
      duplicated: this.ids.length - this.distinct.size,
      outOfOrder: this.outOfOrder,
      unknown,
      caughtUpAfterMs: Math.max(0, this.lastNewAt - writersStoppedAt),
      missedSample: missed.slice(0, 5).map((id) => ({ id, seq: truth.get(id)! })),
    };
  }
}

/** The store's own subscription, from the start of the log, until told to stop. */
async function followWithStore(
  store: PostgresEventStore,
  batchSize: number,
  seen: Seen,
  stop: AbortSignal,
): Promise<void> {
  const subscription = store.subscribeToAll({ after: START, batchSize });
  stop.addEventListener('abort', () => void subscription.close(), { once: true });
  let previous: RecordedEvent | undefined;
  for await (const event of subscription) {
    if (previous && comparePositions(event.position, previous.position) <= 0) seen.outOfOrder += 1;
    previous = event;
    seen.add(event.id);
  }
}

/** The hazard: pages by the sequence alone, as fast as it can, until told to stop. */
async function followNaively(
  pool: pg.Pool,
  batchSize: number,
  seen: Seen,
  stop: AbortSignal,
  progress: { last: bigint },
): Promise<void> {
  let last = 0n;
  while (!stop.aborted) {
    // Not aliased `seq`: ORDER BY would then sort by the text ('1000' < '999').
    const { rows } = await pool.query<{ event_id: string; seq_text: string }>(
      'SELECT event_id, seq::text AS seq_text FROM ledger_events WHERE seq > $1 ORDER BY seq LIMIT $2',
      [last.toString(), batchSize],
    );
    for (const row of rows) {
      const seq = BigInt(row.seq_text);
      if (seq <= last) seen.outOfOrder += 1;
      else last = seq;
      seen.add(row.event_id);
    }
    progress.last = last;
    // Caught up: a short pause, as a polling follower would take; never a long one.
    if (rows.length < batchSize) await sleep(1);
  }
}

async function oneRun(
  context: BenchContext<typeof OPTIONS>,
  options: Options,
  run: number,
): Promise<RunRecord> {
  const db = await context.database(`missed_r${run}`);
  const writerPool = context.pool(db.url, options.writers + 4);
  await migrate(writerPool, MIGRATIONS);
  if (options['appenders-only-horizon']) await installAppendersOnlyHorizon(writerPool);
  const writerStore = new PostgresEventStore(writerPool);
  context.defer(() => writerStore.close());
  // Ours follow through store instances and pools of their own: woken by NOTIFY, not by
  // the writers' in-process signal, as a projector in another process would be.
  const naivePool = context.pool(db.url, 2);

  const stopOurs = new AbortController();
  const stopNaive = new AbortController();
  const ours = Array.from({ length: options.followers }, () => new Seen());
  const naive = new Seen();
  const naiveProgress = { last: 0n };
  const following = [
    ...ours.map((seen) => {
      const followerStore = new PostgresEventStore(context.pool(db.url, 4));
      context.defer(() => followerStore.close());
      return followWithStore(followerStore, options['batch-size'], seen, stopOurs.signal);
    }),
    followNaively(naivePool, options['batch-size'], naive, stopNaive.signal, naiveProgress),
  ];

  const acknowledged = new Set<string>();
  let appendFailures = 0;
  let firstFailure: string | undefined;
  const started = performance.now();
  const deadline = started + options.seconds * 1_000;
  await Promise.all(
    Array.from({ length: options.writers }, async (_, writer) => {
      for (let i = 0; performance.now() < deadline; i++) {
        // Batches of 1 to 3 events on ten streams per writer: several rows per
        // transaction take their sequence values apart, commits land in any order.
        const events = Array.from({ length: 1 + (i % 3) }, (_, n) => ({
          id: randomUUID(),
          type: 'BenchWritten.v1',
          data: { writer, i, n },
          metadata: {},
        }));
        try {
          await writerStore.appendToStream(`bench-${writer}-${i % 10}`, events, {
            expectedRevision: 'any',
          });
          for (const event of events) acknowledged.add(event.id);
        } catch (error) {
          appendFailures += 1;
          firstFailure ??= error instanceof Error ? error.message : String(error);
        }
      }
    }),
  );
  const writersStoppedAt = performance.now();
  const writeSeconds = (writersStoppedAt - started) / 1_000;

  // The truth: every event the database holds (an append that failed may still have committed).
  const { rows } = await writerPool.query<{ event_id: string; seq: string }>(
    'SELECT event_id, seq::text AS seq FROM ledger_events',
  );
  const truth = new Map(rows.map((row) => [row.event_id, row.seq]));
  const lost = [...acknowledged].filter((id) => !truth.has(id)).length;
  if (lost > 0)
    throw new VerificationError(
      `run ${run}: ${lost} acknowledged appends are not in ledger_events`,
    );

  // Both followers get until the drain deadline to see everything; ours stops as soon as
  // it has, the naive one as soon as it has reached the highest seq (what it missed it
  // will never see).
  const maxSeq = rows.reduce((max, row) => (BigInt(row.seq) > max ? BigInt(row.seq) : max), 0n);
  const drainDeadline = performance.now() + options['drain-seconds'] * 1_000;
  const oursDone = (): boolean => ours.every((seen) => seen.distinctCount >= truth.size);
  const naiveDone = (): boolean => naiveProgress.last >= maxSeq;
  while (performance.now() < drainDeadline && !(oursDone() && naiveDone())) {
    if (oursDone()) stopOurs.abort();
    if (naiveDone()) stopNaive.abort();
    await sleep(10);
  }
  stopOurs.abort();
  stopNaive.abort();
  await Promise.all(following);
  if (firstFailure !== undefined)
    log(`    ${appendFailures} appends failed, first: ${firstFailure}`);

  return {
    run,
    written: truth.size,
    acknowledged: acknowledged.size,
    appendFailures,
    writeSeconds,
    eventsPerSecond: truth.size / writeSeconds,
    ...worstOf(ours.map((seen) => seen.compare(truth, writersStoppedAt))),
    naive: naive.compare(truth, writersStoppedAt),
  };
}

function worstOf(
  results: readonly FollowerResult[],
): Pick<RunRecord, 'ours' | 'oursMissedPerFollower'> {
  const worst = results.reduce((a, b) =>
    b.missed + b.duplicated + b.outOfOrder + b.unknown >
    a.missed + a.duplicated + a.outOfOrder + a.unknown
      ? b
      : a,
  );
  return { ours: worst, oursMissedPerFollower: results.map((result) => result.missed) };
}

/**
 * Migration 006's ledger_read_horizon, for a comparison run: it held the horizon only for
 * transactions that pg_locks showed as appenders, and an appender whose new id was in
 * snapshots but not yet in the lock table passed for a non-appender.
 */
async function installAppendersOnlyHorizon(pool: pg.Pool): Promise<void> {
  const sql = appendersHorizonMigration.sql;
  const horizon = sql.slice(sql.indexOf('CREATE FUNCTION ledger_read_horizon'));
  await pool.query(horizon.replace('CREATE FUNCTION', 'CREATE OR REPLACE FUNCTION'));
}

function describeFollower(result: FollowerResult): string {
  return (
    `${result.distinct} seen, ${result.missed} missed, ${result.duplicated} duplicated, ` +
    `${result.outOfOrder} out of order${result.unknown > 0 ? `, ${result.unknown} UNKNOWN` : ''}, ` +
    `caught up ${result.caughtUpAfterMs.toFixed(0)} ms after the writers stopped`
  );
}

runBench({
  name: 'missed-events',
  title: 'Missed events bench (read side)',
  script: 'dist/bench/read-side/missed-events.bench.js',
  summary:
    'Concurrent writers append through the PostgreSQL store while subscribeToAll follows the log, and\n' +
    'a naive `seq > $last` follower alongside; counts events missed and duplicated by each.',
  options: OPTIONS,
  describe: (o) =>
    `${o.writers} writers for ${o.seconds} s per run, ${o.runs} run(s), each in a fresh database; ` +
    `${o.followers} followers of ours and a naive one page ${o['batch-size']} events; horizon rule: ` +
    (o['appenders-only-horizon'] ? "migration 006's (appenders shown in pg_locks)" : 'current'),
  async run(context) {
    const { options } = context;
    const records: RunRecord[] = [];
    for (let run = 1; run <= options.runs; run++) {
      log(`\nRun ${run} of ${options.runs}`);
      const record = await oneRun(context, options, run);
      records.push(record);
      log(
        `  ${record.written} events written (${formatRate(record.eventsPerSecond)}, ${record.appendFailures} appends failed)\n` +
          `  ours  (subscribeToAll, worst of ${options.followers}): ${describeFollower(record.ours)}; ` +
          `missed per follower ${record.oursMissedPerFollower.join(', ')}\n` +
          `  naive (seq > $last)   : ${describeFollower(record.naive)}`,
      );
    }

    const total = (pick: (r: RunRecord) => number): number =>
      records.reduce((sum, r) => sum + pick(r), 0);
    log(`\nResults: ${records.length} run(s), totals over all runs`);
    const row = (label: string, pick: (r: RunRecord) => FollowerResult): string[] => [
      label,
      total((r) => pick(r).missed).toString(),
      total((r) => pick(r).duplicated).toString(),
      total((r) => pick(r).outOfOrder).toString(),
      records.map((r) => pick(r).missed).join(' / '),
    ];
    log(
      renderTable(
        ['Follower', 'missed', 'duplicated', 'out of order', 'missed per run'],
        [
          row('ours: subscribeToAll (horizon), worst follower', (r) => r.ours),
          row('naive: seq > $last', (r) => r.naive),
        ],
      ),
    );
    const oursFaults = total(
      (r) => r.ours.missed + r.ours.duplicated + r.ours.outOfOrder + r.ours.unknown,
    );
    log(
      `\n${total((r) => r.written)} events written by ${options.writers} writers ` +
        `(median ${formatRate(spread(records.map((r) => r.eventsPerSecond)).median)}). ` +
        `Goal 0 missed, 0 duplicated: ${oursFaults === 0 ? 'met' : 'NOT met'}.`,
    );
    return {
      followers: {
        ours: `${options.followers} x PostgresEventStore.subscribeToAll from START, each with its own pool and store instance (woken by NOTIFY); the worst is reported`,
        horizon: options['appenders-only-horizon']
          ? 'migration 006 (appenders shown in pg_locks)'
          : 'current (migration 008)',
        naive: 'SELECT ... WHERE seq > $last ORDER BY seq LIMIT batch, 1 ms pause when caught up',
      },
      summary: {
        written: total((r) => r.written),
        ours: {
          missed: total((r) => r.ours.missed),
          duplicated: total((r) => r.ours.duplicated),
          outOfOrder: total((r) => r.ours.outOfOrder),
        },
        naive: {
          missed: total((r) => r.naive.missed),
          duplicated: total((r) => r.naive.duplicated),
          outOfOrder: total((r) => r.naive.outOfOrder),
        },
        goalMet: oursFaults === 0,
      },
      runs: records,
    };
  },
});
