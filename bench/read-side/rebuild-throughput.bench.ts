/**
 * Rebuild throughput: how fast the view projections rebuild from position zero over a
 * generated log of realistic trading events, each projection alone (one after the
 * other) and all four at once, with batches of 1,000 and 5,000 events; against Emmett
 * 0.42's rebuild of an equivalent accounts view (a Pongo document per account, through
 * `rebuildPostgreSQLProjections`) over the same events on the same server; and the
 * server's ceilings for writing rows (multi-row INSERT and COPY into a plain table).
 * `npm run bench:rebuild -- --help` for the knobs.
 */
import os from 'node:os';
import { performance } from 'node:perf_hooks';
import type pg from 'pg';
import { type Position, encodePosition } from '../../src/event-store/position.js';
import { PostgresEventStore } from '../../src/infrastructure/event-store/postgres/postgres.event-store.js';
import { migrate } from '../../src/infrastructure/database/migrator.js';
import { MIGRATIONS } from '../../src/infrastructure/database/migrations/index.js';
import { CheckpointsRepository } from '../../src/projections/engine/checkpoints.repository.js';
import { ParkedEventsRepository } from '../../src/projections/engine/parked-events.repository.js';
import { type Projection } from '../../src/projections/engine/projection.js';
import { ProjectionRebuilder } from '../../src/projections/engine/projection-rebuilder.js';
import { quoteIdentifier } from '../../src/projections/views/batch-sql.js';
import { VIEW_PROJECTIONS } from '../../src/projections/views/index.js';
import {
  type Spread,
  formatRate,
  formatRatio,
  formatSpread,
  renderTable,
  spread,
} from '../stats.js';
import { seededRandom } from '../../src/shared/seeded-random.js';
import { EmmettAccountsView } from './emmett-accounts-view.js';
import {
  HistoryGenerator,
  type HistoryTally,
  defaultHistoryOptions,
} from '../../test-kit/trading-history.generator.js';
import {
  type CeilingMethod,
  type CeilingRow,
  ceilingRows,
  loadHistory,
  measureCeiling,
} from '../../test-kit/history-loader.js';
import { VerificationError, log } from '../bench-session.js';
import { runBench, settle } from './harness.js';
import { rotate } from '../bench-results.js';
import { type ProjectionTiming, timedCatchUp } from './timed-catch-up.js';

const BATCH_SIZES = [1_000, 5_000] as const;
const GOAL_EVENTS_PER_SECOND = 50_000;

const OPTIONS = {
  events: {
    kind: 'int',
    description:
      'events in the generated log (the generator finishes running processes, so a few more)',
    full: 1_000_000,
    quick: 100_000,
  },
  seed: { kind: 'int', description: 'history PRNG seed', full: 42, quick: 42 },
  'emmett-runs': {
    kind: 'int',
    description: 'runs that include Emmett (0: leave Emmett out; capped at --runs)',
    full: 3,
    quick: 1,
    min: 0,
  },
  'emmett-max-seconds': {
    kind: 'int',
    description:
      'bound on one Emmett rebuild: stopped there, its rate is over the events it had done',
    full: 1_200,
    quick: 300,
  },
  'emmett-batch': {
    kind: 'int',
    description: "Emmett's rebuild batch size",
    full: 1_000,
    quick: 1_000,
  },
  'ceiling-rows': {
    kind: 'int',
    description: 'rows written per ceiling measurement',
    full: 200_000,
    quick: 50_000,
  },
} as const;

/** Each projection alone, one after another; or all of them in one pass over the log, as the app runs them. */
type Mode = 'alone' | 'one-pass' | 'blue-green';

/** `projections rebuild all` reads pages of this size (ProjectionsService). */
const BLUE_GREEN_BATCH = 5_000;

type Phase =
  | {
      readonly kind: 'ours';
      readonly mode: Mode;
      readonly batchSize: number;
    }
  | { readonly kind: 'emmett' }
  | { readonly kind: 'ceilings' };

const MODE_LABELS: Readonly<Record<Mode, string>> = {
  alone: 'one by one',
  'one-pass': 'all in one pass',
  'blue-green': 'blue/green, all',
};

function phaseLabel(phase: Phase): string {
  switch (phase.kind) {
    case 'ours':
      return `ours, ${MODE_LABELS[phase.mode]}, batch ${phase.batchSize}`;
    case 'emmett':
      return 'Emmett accounts view';
    case 'ceilings':
      return 'INSERT / COPY ceilings';
  }
}

interface OursRecord {
  readonly kind: 'ours';
  readonly run: number;
  readonly mode: Mode;
  readonly batchSize: number;
  /** Alone: the sum of the projections' times; one pass: wall clock of all four. */
  readonly seconds: number;
  /** Log events per second for the whole rebuild (every projection reads every event). */
  readonly eventsPerSecond: number;
  readonly projections: readonly ProjectionTiming[];
  readonly loadAverage1m: number;
}

interface EmmettRecord {
  readonly kind: 'emmett';
  readonly run: number;
  readonly batchSize: number;
  readonly seconds: number;
  /** False when stopped at --emmett-max-seconds: the rate is over the events it had done. */
  readonly finished: boolean;
  readonly events: number;
  readonly eventsPerSecond: number;
  readonly loadAverage1m: number;
}

interface CeilingRecord {
  readonly kind: 'ceiling';
  readonly run: number;
  readonly method: CeilingMethod;
  readonly rows: number;
  readonly seconds: number;
  readonly rowsPerSecond: number;
}

type RunRecord = OursRecord | EmmettRecord | CeilingRecord;

/** What a projection's tables must hold once the whole log is applied: problems as lines. */
type ViewCheck = (pool: pg.Pool, tally: HistoryTally) => Promise<string[]>;

async function one(pool: pg.Pool, sql: string): Promise<Record<string, string>> {
  return (await pool.query<Record<string, string>>(sql)).rows[0]!;
}

function expectEqual(
  problems: string[],
  what: string,
  actual: string,
  expected: bigint | number,
): void {
  if (BigInt(actual) !== BigInt(expected))
    problems.push(`${what}: view has ${actual}, log implies ${expected}`);
}

/** Checks against the generator's own model of the history: independent of the projection code. */
const VIEW_CHECKS: Readonly<Record<string, ViewCheck>> = {
  accounts: async (pool, tally) => {
    const row = await one(
      pool,
      `SELECT count(*)::text AS n, count(*) FILTER (WHERE status = 'CLOSED')::text AS closed,
              coalesce(sum(balance_minor), 0)::text AS balance, coalesce(sum(reserved_minor), 0)::text AS reserved,
              (SELECT count(*) FROM view_account_statements)::text AS lines
       FROM view_accounts`,
    );
    const problems: string[] = [];
    expectEqual(problems, 'accounts', row['n']!, tally.accountsOpened);
    expectEqual(problems, 'closed accounts', row['closed']!, tally.accountsClosed);
    expectEqual(problems, 'sum of balances', row['balance']!, tally.balanceMinor);
    expectEqual(problems, 'sum of reserved cash', row['reserved']!, tally.reservedMinor);
    expectEqual(problems, 'statement lines', row['lines']!, tally.statementLines);
    return problems;
  },
  holdings: async (pool, tally) => {
    const row = await one(
      pool,
      `SELECT coalesce(sum(quantity), 0)::text AS quantity, coalesce(sum(reserved_quantity), 0)::text AS reserved,
              coalesce(sum(cost_basis_minor), 0)::text AS cost FROM view_holdings`,
    );
    const problems: string[] = [];
    expectEqual(problems, 'shares held', row['quantity']!, tally.holdingQuantity);
    expectEqual(problems, 'shares reserved', row['reserved']!, tally.holdingReserved);
    expectEqual(problems, 'cost basis', row['cost']!, tally.holdingCostBasisMinor);
    return problems;
  },
  orders: async (pool, tally) => {
    const row = await one(
      pool,
      `SELECT count(*)::text AS n, coalesce(sum(filled_quantity), 0)::text AS filled FROM view_orders`,
    );
    const problems: string[] = [];
    expectEqual(problems, 'orders', row['n']!, tally.ordersPlaced);
    expectEqual(problems, 'filled quantity', row['filled']!, tally.filledQuantity);
    return problems;
  },
  'ledger-entries': async (pool, tally) => {
    const row = await one(
      pool,
      `SELECT count(*)::text AS n, coalesce(sum(amount_minor), 0)::text AS total FROM view_ledger_entries`,
    );
    const problems: string[] = [];
    expectEqual(problems, 'journal lines', row['n']!, tally.postings);
    expectEqual(problems, 'sum of all postings (double entry)', row['total']!, 0);
    return problems;
  },
};

/** Ours, as the app runs it, minus Nest: ProjectionRunners over the PostgreSQL store. */
class OursRebuild {
  private readonly store: PostgresEventStore;
  private readonly checkpoints: CheckpointsRepository;
  private readonly parked: ParkedEventsRepository;

  constructor(
    private readonly pool: pg.Pool,
    private readonly projections: readonly Projection[],
  ) {
    this.store = new PostgresEventStore(pool);
    this.checkpoints = new CheckpointsRepository(pool);
    this.parked = new ParkedEventsRepository(pool);
  }

  head(): Promise<Position> {
    return this.store.headPosition();
  }

  /** Empty views and checkpoints at START: a rebuild from position zero. Untimed. */
  async reset(): Promise<void> {
    const tables = this.projections.flatMap((projection) => projection.tables).map(quoteIdentifier);
    await this.pool.query(`TRUNCATE ${tables.join(', ')}`);
    await this.pool.query('DELETE FROM ledger_projection_checkpoints WHERE projection = ANY($1)', [
      this.projections.map((projection) => projection.name),
    ]);
    await this.pool.query('DELETE FROM ledger_projection_parked');
    await settle(this.pool);
  }

  /** Projections, in one runner (one pass over the log), from their checkpoints to `head`, timed. */
  catchUp(
    projections: readonly Projection[],
    head: Position,
    batchSize: number,
    events: number,
  ): Promise<ProjectionTiming> {
    return timedCatchUp(this.pool, this.store, projections, head, batchSize, events);
  }

  /**
   * The CLI's `projections rebuild all`, timed: shadows of every view built in one pass
   * beside live views at the head (built first, untimed), compared and swapped in.
   */
  async blueGreen(head: Position, batchSize: number, events: number): Promise<ProjectionTiming> {
    await this.catchUp(this.projections, head, BLUE_GREEN_BATCH, events);
    await settle(this.pool);
    const rebuilder = new ProjectionRebuilder(this.store, this.pool, this.checkpoints, this.parked);
    const started = performance.now();
    const reports = await rebuilder.rebuild(this.projections, {
      batchSize,
      alignTimeoutMs: 60_000,
    });
    const seconds = (performance.now() - started) / 1_000;
    const refused = reports.filter((report) => !report.swapped).map((report) => report.projection);
    if (refused.length > 0) throw new VerificationError(`swap refused for ${refused.join(', ')}`);
    return {
      projection: 'all (blue/green)',
      seconds,
      applied: reports[0]!.eventsApplied,
      eventsPerSecond: events / seconds,
    };
  }

  async verify(tally: HistoryTally): Promise<string[]> {
    const problems: string[] = [];
    for (const projection of this.projections) {
      const check = VIEW_CHECKS[projection.name];
      if (check)
        problems.push(...(await check(this.pool, tally)).map((p) => `${projection.name}: ${p}`));
    }
    return problems;
  }

  async close(): Promise<void> {
    await this.store.close();
  }
}

function ratioSpread(
  numerators: readonly number[],
  denominators: readonly number[],
): Spread | undefined {
  const pairs = Math.min(numerators.length, denominators.length);
  if (pairs === 0) return undefined;
  return spread(
    Array.from({ length: pairs }, (_, index) => numerators[index]! / denominators[index]!),
  );
}

runBench({
  name: 'rebuild-throughput',
  title: 'Rebuild throughput bench (read side)',
  script: 'dist/bench/read-side/rebuild-throughput.bench.js',
  summary:
    'Rebuilds every view projection from position zero over a generated log, one by one and all in\n' +
    "one pass, batches of 1,000 and 5,000; Emmett 0.42's rebuild of an equivalent accounts view over the\n" +
    'same events; multi-row INSERT and COPY ceilings. Each in a fresh database on the same server.',
  options: OPTIONS,
  describe: (o) =>
    `${o.events.toLocaleString('en-US')} events (seed ${o.seed}); ${o.runs} run(s), Emmett in ${Math.min(o['emmett-runs'], o.runs)}; ` +
    `projections: ${VIEW_PROJECTIONS.map((p) => p.name).join(', ')}`,
  async run(context) {
    const { options } = context;
    const records: RunRecord[] = [];

    log('\nSetup (not timed)');
    const oursDb = await context.database('rebuild');
    const pool = context.pool(oursDb.url, 10);
    await migrate(pool, MIGRATIONS);
    const generator = new HistoryGenerator(
      seededRandom(options.seed),
      defaultHistoryOptions(options.events),
    );
    const loaded = await loadHistory(pool, generator, options.events);
    const events = loaded.events;
    log(
      `  log: ${events.toLocaleString('en-US')} events, ${loaded.appends.toLocaleString('en-US')} appends, ` +
        `${loaded.streams.toLocaleString('en-US')} streams, ${loaded.tally.accountsOpened.toLocaleString('en-US')} accounts, ` +
        `${loaded.tally.ordersPlaced.toLocaleString('en-US')} orders; generated and COPYed in ${loaded.seconds.toFixed(1)} s ` +
        `(${formatRate(events / loaded.seconds)} including generation)`,
    );
    const ours = new OursRebuild(pool, VIEW_PROJECTIONS);
    context.defer(() => ours.close());
    const head = await ours.head();
    const unchecked = VIEW_PROJECTIONS.filter((p) => !VIEW_CHECKS[p.name]).map((p) => p.name);
    if (unchecked.length > 0)
      log(`  no content check for: ${unchecked.join(', ')} (checkpoint only)`);

    const emmettRuns = Math.min(options['emmett-runs'], options.runs);
    let emmett: EmmettAccountsView | undefined;
    if (emmettRuns > 0) {
      const emmettDb = await context.database('rebuild_emmett');
      // Loading is untimed setup: no need to wait for a WAL flush per append.
      const loadUrl = new URL(emmettDb.url);
      loadUrl.searchParams.set('options', '-c synchronous_commit=off');
      const emmettPool = context.pool(loadUrl.toString(), 2);
      emmett = new EmmettAccountsView(emmettDb.url, emmettPool);
      const view = emmett;
      context.defer(() => view.close());
      const emmettLoad = await emmett.load(pool);
      if (emmettLoad.events !== events) {
        throw new VerificationError(
          `Emmett's store got ${emmettLoad.events} events, the log has ${events}`,
        );
      }
      log(
        `  Emmett: the same ${events.toLocaleString('en-US')} events appended through its store ` +
          `(${emmettLoad.appends.toLocaleString('en-US')} appends, ${emmettLoad.seconds.toFixed(1)} s)`,
      );
    }
    const rows: CeilingRow[] = await ceilingRows(pool, options['ceiling-rows']);

    const phases: Phase[] = [
      ...BATCH_SIZES.flatMap((batchSize): Phase[] => [
        { kind: 'ours', mode: 'alone', batchSize },
        { kind: 'ours', mode: 'one-pass', batchSize },
      ]),
      { kind: 'ours', mode: 'blue-green', batchSize: BLUE_GREEN_BATCH },
      { kind: 'emmett' },
      { kind: 'ceilings' },
    ];

    for (let run = 1; run <= options.runs; run++) {
      log(`\nRun ${run} of ${options.runs}`);
      for (const phase of rotate(phases, run - 1)) {
        const loadAverage1m = os.loadavg()[0] ?? 0;
        if (phase.kind === 'ours') {
          await ours.reset();
          let timings: ProjectionTiming[];
          let seconds: number;
          if (phase.mode === 'alone') {
            timings = [];
            for (const projection of VIEW_PROJECTIONS) {
              timings.push(await ours.catchUp([projection], head, phase.batchSize, events));
            }
            seconds = timings.reduce((sum, t) => sum + t.seconds, 0);
          } else if (phase.mode === 'one-pass') {
            timings = [await ours.catchUp(VIEW_PROJECTIONS, head, phase.batchSize, events)];
            seconds = timings[0]!.seconds;
          } else {
            timings = [await ours.blueGreen(head, phase.batchSize, events)];
            seconds = timings[0]!.seconds;
          }
          const problems = await ours.verify(loaded.tally);
          if (problems.length > 0) {
            throw new VerificationError(
              `${phaseLabel(phase)}, run ${run}:\n  ${problems.join('\n  ')}`,
            );
          }
          const record: OursRecord = {
            kind: 'ours',
            run,
            mode: phase.mode,
            batchSize: phase.batchSize,
            seconds,
            eventsPerSecond: events / seconds,
            projections: timings,
            loadAverage1m,
          };
          records.push(record);
          log(
            `  ${phaseLabel(phase).padEnd(34)} ${formatRate(record.eventsPerSecond).padStart(10)}  ` +
              `${seconds.toFixed(2)} s  [${timings.map((t) => `${t.projection} ${formatRate(t.eventsPerSecond)}`).join(', ')}]` +
              `  load ${loadAverage1m.toFixed(1)}  verified`,
          );
        } else if (phase.kind === 'emmett') {
          if (!emmett || run > emmettRuns) continue;
          await emmett.reset();
          await settle(pool);
          const batchSize = options['emmett-batch'];
          const rebuilt = await emmett.rebuild(batchSize, options['emmett-max-seconds']);
          const { seconds } = rebuilt;
          // A stopped rebuild has only part of the view: nothing to check it against.
          if (rebuilt.finished) {
            const totals = await emmett.totals();
            const problems: string[] = [];
            expectEqual(problems, 'accounts', String(totals.accounts), loaded.tally.accountsOpened);
            expectEqual(
              problems,
              'closed accounts',
              String(totals.closed),
              loaded.tally.accountsClosed,
            );
            expectEqual(
              problems,
              'sum of balances',
              totals.balanceMinor.toString(),
              loaded.tally.balanceMinor,
            );
            expectEqual(
              problems,
              'sum of reserved cash',
              totals.reservedMinor.toString(),
              loaded.tally.reservedMinor,
            );
            if (problems.length > 0) {
              throw new VerificationError(`Emmett, run ${run}:\n  ${problems.join('\n  ')}`);
            }
          }
          const record: EmmettRecord = {
            kind: 'emmett',
            run,
            batchSize,
            seconds,
            finished: rebuilt.finished,
            events: rebuilt.events,
            eventsPerSecond: rebuilt.events / seconds,
            loadAverage1m,
          };
          records.push(record);
          log(
            `  ${phaseLabel(phase).padEnd(34)} ${formatRate(record.eventsPerSecond).padStart(10)}  ` +
              `${seconds.toFixed(2)} s  batch ${batchSize}  load ${loadAverage1m.toFixed(1)}  ` +
              (rebuilt.finished
                ? 'verified'
                : `STOPPED at the time limit after ${rebuilt.events.toLocaleString('en-US')} of ${events.toLocaleString('en-US')} events`),
          );
        } else {
          for (const method of ['insert-1000', 'insert-5000', 'copy'] as const) {
            const result = await measureCeiling(pool, rows, method);
            records.push({
              kind: 'ceiling',
              run,
              method,
              rows: result.rows,
              seconds: result.seconds,
              rowsPerSecond: result.perSecond,
            });
            log(
              `  ceiling ${method.padEnd(26)} ${formatRate(result.perSecond).padStart(10)}  ` +
                `${result.rows} rows in ${result.seconds.toFixed(2)} s`,
            );
          }
        }
      }
    }

    // --- summary ---------------------------------------------------------------------
    const oursRecords = (mode: Mode, batchSize: number): OursRecord[] =>
      records.filter(
        (r): r is OursRecord => r.kind === 'ours' && r.mode === mode && r.batchSize === batchSize,
      );
    const blueGreenRates = oursRecords('blue-green', BLUE_GREEN_BATCH).map(
      (r) => r.eventsPerSecond,
    );
    const projectionRates = (batchSize: number, name: string): number[] =>
      oursRecords('alone', batchSize).map(
        (r) => r.projections.find((t) => t.projection === name)!.eventsPerSecond,
      );
    const emmettRecords = records.filter((r): r is EmmettRecord => r.kind === 'emmett');
    const emmettRates = emmettRecords.map((r) => r.eventsPerSecond);
    const ceilingRates = (method: CeilingMethod): number[] =>
      records
        .filter((r): r is CeilingRecord => r.kind === 'ceiling' && r.method === method)
        .map((r) => r.rowsPerSecond);
    const median = (values: readonly number[]): Spread | undefined =>
      values.length > 0 ? spread(values) : undefined;

    log(
      `\nResults: log events per second, median (min – max) of ${options.runs} run(s); ${events.toLocaleString('en-US')} events`,
    );
    const rowsAlone = VIEW_PROJECTIONS.map((projection) => [
      `${projection.name} (alone)`,
      ...BATCH_SIZES.map((batchSize) =>
        formatSpread(spread(projectionRates(batchSize, projection.name))),
      ),
    ]);
    log(
      renderTable(
        [
          'Rebuild from position zero',
          ...BATCH_SIZES.map((b) => `batch ${b.toLocaleString('en-US')}`),
        ],
        [
          ...rowsAlone,
          [
            'ALL views, one by one (sum of times)',
            ...BATCH_SIZES.map((b) =>
              formatSpread(spread(oursRecords('alone', b).map((r) => r.eventsPerSecond))),
            ),
          ],
          [
            'ALL views, in one pass (wall clock)',
            ...BATCH_SIZES.map((b) =>
              formatSpread(spread(oursRecords('one-pass', b).map((r) => r.eventsPerSecond))),
            ),
          ],
          [
            'ALL views, blue/green rebuild with parity check and swap',
            ...BATCH_SIZES.map((b) =>
              b === BLUE_GREEN_BATCH ? formatSpread(spread(blueGreenRates)) : '—',
            ),
          ],
        ],
      ),
    );

    const emmettBatch = options['emmett-batch'];
    const comparisonBatch = BATCH_SIZES.includes(emmettBatch as (typeof BATCH_SIZES)[number])
      ? emmettBatch
      : BATCH_SIZES[0];
    const oursAccountsAlone = projectionRates(comparisonBatch, 'accounts');
    const oursAll = oursRecords('one-pass', comparisonBatch).map((r) => r.eventsPerSecond);
    const emmettSpread = median(emmettRates);
    const comparisons = emmettSpread
      ? [
          {
            label: `accounts view: ours (alone, batch ${comparisonBatch}) / Emmett`,
            ours: spread(oursAccountsAlone),
            ratio: spread(oursAccountsAlone).median / emmettSpread.median,
            paired: ratioSpread(oursAccountsAlone, emmettRates),
          },
          {
            label: `ALL four views in one pass (batch ${comparisonBatch}) / Emmett's one view`,
            ours: spread(oursAll),
            ratio: spread(oursAll).median / emmettSpread.median,
            paired: ratioSpread(oursAll, emmettRates),
          },
          {
            label: `ALL four views, blue/green (batch ${BLUE_GREEN_BATCH}) / Emmett's one view`,
            ours: spread(blueGreenRates),
            ratio: spread(blueGreenRates).median / emmettSpread.median,
            paired: ratioSpread(blueGreenRates, emmettRates),
          },
        ]
      : [];
    if (emmettSpread) {
      const stopped = emmettRecords.filter((r) => !r.finished).length;
      log(
        `\nAgainst Emmett 0.42 (pongoSingleStreamProjection, rebuildPostgreSQLProjections, batch ${emmettBatch}), same events, same server` +
          (stopped > 0
            ? `\n(${stopped} of ${emmettRecords.length} Emmett rebuilds stopped at ${options['emmett-max-seconds']} s: their rate is over the events they had done)`
            : ''),
      );
      log(
        renderTable(
          ['Comparison', 'ours', 'Emmett', 'ratio [paired runs]'],
          comparisons.map((c) => [
            c.label,
            formatSpread(c.ours),
            formatSpread(emmettSpread),
            `${formatRatio(c.ratio)}${c.paired ? ` [${formatSpread(c.paired, formatRatio)}]` : ''}`,
          ]),
        ),
      );
    }

    log('\nCeilings: rows per second into a plain table, one connection');
    const ceilingMethods: { method: CeilingMethod; label: string }[] = [
      { method: 'insert-1000', label: 'multi-row INSERT, 1,000 rows/statement' },
      { method: 'insert-5000', label: 'multi-row INSERT, 5,000 rows/statement' },
      { method: 'copy', label: 'COPY' },
    ];
    log(
      renderTable(
        ['Method', 'rows/s'],
        ceilingMethods.map(({ method, label }) => [
          label,
          formatSpread(spread(ceilingRates(method))),
        ]),
      ),
    );

    const goalBatch = BLUE_GREEN_BATCH;
    const goalSubject = spread(blueGreenRates).median;
    const slowestAlone = Math.min(
      ...VIEW_PROJECTIONS.map((p) => spread(projectionRates(goalBatch, p.name)).median),
    );
    log(
      `\nGoal >= ${formatRate(GOAL_EVENTS_PER_SECOND)}: all views, blue/green rebuild, batch ${goalBatch}: ${formatRate(goalSubject)} ` +
        `(${goalSubject >= GOAL_EVENTS_PER_SECOND ? 'met' : 'NOT met'}); slowest projection alone: ${formatRate(slowestAlone)} ` +
        `(${slowestAlone >= GOAL_EVENTS_PER_SECOND ? 'met' : 'NOT met'})`,
    );

    return {
      log: {
        events,
        appends: loaded.appends,
        streams: loaded.streams,
        transactionIds: loaded.transactionIds,
        loadSeconds: loaded.seconds,
        head: encodePosition(head),
        tally: loaded.tally,
      },
      systems: {
        ours: 'ProjectionRunner.catchUpTo(head) over PostgresEventStore, checkpoints per batch: one runner per projection (alone), and one runner for all (one pass, as the app runs them)',
        Emmett:
          'pongoSingleStreamProjection (a document per account stream: status, currency, balance, reserved) rebuilt by rebuildPostgreSQLProjections, pullingFrequencyInMs 0',
        ceilings: `plain table (bigint key, text, jsonb), ${rows.length} event-sized rows, one connection`,
      },
      summary: {
        goalEventsPerSecond: GOAL_EVENTS_PER_SECOND,
        ours: Object.fromEntries(
          BATCH_SIZES.map((batchSize) => [
            `batch${batchSize}`,
            {
              allOneByOne: spread(oursRecords('alone', batchSize).map((r) => r.eventsPerSecond)),
              allInOnePass: spread(
                oursRecords('one-pass', batchSize).map((r) => r.eventsPerSecond),
              ),
              ...(batchSize === BLUE_GREEN_BATCH ? { allBlueGreen: spread(blueGreenRates) } : {}),
              alone: Object.fromEntries(
                VIEW_PROJECTIONS.map((p) => [p.name, spread(projectionRates(batchSize, p.name))]),
              ),
            },
          ]),
        ),
        emmett: emmettSpread ?? null,
        comparisons: comparisons.map((c) => ({
          label: c.label,
          ours: c.ours,
          ratioOfMedians: c.ratio,
          pairedRatios: c.paired ?? null,
        })),
        ceilings: Object.fromEntries(
          ceilingMethods.map(({ method }) => [method, median(ceilingRates(method)) ?? null]),
        ),
      },
      runs: records,
    };
  },
});
