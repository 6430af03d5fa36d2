/**
 * Command throughput: our AggregateStore over PostgresEventStore against Emmett's
 * CommandHandler over its PostgreSQL event store, on the same server, in the same run,
 * each in a fresh database; plus our bare append against a raw INSERT ceiling.
 * Ours runs twice: as constructed by default (its stream cache skips the read when this
 * process wrote the stream last) and with the cache off, which is what every command
 * pays when another process wrote the stream, and what Emmett pays on every command.
 * `npm run bench`, `--help` for the knobs.
 */
import { rotate } from './bench-results.js';
import { type BenchConfig, USAGE, readConfig } from './bench-config.js';
import {
  type BenchSession,
  VerificationError,
  exitWith,
  log,
  runSession,
} from './bench-session.js';
import { type AppendSystem, type CommandSystem } from './bench-systems.js';
import { EmmettSystem } from './emmett-system.js';
import { LedgerSystem } from './ledger-system.js';
import { commandOverhead } from './observability/command-overhead.js';
import { type LoadResult, runLoad } from './load-runner.js';
import { RawInsertSystem } from './raw-insert-system.js';
import { type Spread, formatRatio, formatSpread, renderTable, spread } from './stats.js';
import { seededRandom } from '../src/shared/seeded-random.js';
import { type Deposit, DepositTally, accountIds, planDeposits } from './workload.js';

type Measurement = 'deposit-sequential' | 'deposit-concurrent' | 'bare-append';

interface RunRecord {
  readonly measurement: Measurement;
  readonly system: string;
  readonly run: number;
  /** Place of this system within its measurement in this run (0 = went first). */
  readonly slot: number;
  readonly result: LoadResult;
  readonly conflictsRetried: number;
}

function describe(measurement: Measurement, concurrency: number): string {
  switch (measurement) {
    case 'deposit-sequential':
      return 'Deposit command, sequential (1 in flight)';
    case 'deposit-concurrent':
      return `Deposit command, ${concurrency} concurrent`;
    case 'bare-append':
      return `Bare append, ${concurrency} concurrent`;
  }
}

class Bench {
  readonly records: RunRecord[] = [];

  constructor(private readonly config: BenchConfig) {}

  async commandPhase(
    measurement: Measurement,
    run: number,
    systems: readonly { system: CommandSystem; tally: DepositTally }[],
    ids: readonly string[],
    deposits: readonly Deposit[],
    concurrency: number,
  ): Promise<void> {
    for (const [slot, { system, tally }] of systems.entries()) {
      const conflictsBefore = system.conflicts;
      const result = await runLoad(deposits.length, concurrency, (index) => {
        const deposit = deposits[index]!;
        return system.deposit(ids[deposit.accountIndex]!, deposit);
      });
      // Sent means recorded: a failed command shows up below as a mismatch.
      tally.record(deposits);
      const problems = tally.compare(await system.depositTotals());
      this.check(measurement, system.label, run, result, problems);
      this.keep({
        measurement,
        system: system.label,
        run,
        slot,
        result,
        conflictsRetried: system.conflicts - conflictsBefore,
      });
    }
  }

  async appendPhase(
    run: number,
    systems: readonly { system: AppendSystem; written: { rows: number } }[],
    deposits: readonly Deposit[],
  ): Promise<void> {
    for (const [slot, { system, written }] of systems.entries()) {
      const conflictsBefore = system.conflicts;
      const result = await runLoad(deposits.length, this.config.concurrency, (index) => {
        const deposit = deposits[index]!;
        return system.append(deposit.accountIndex, deposit);
      });
      written.rows += deposits.length;
      this.check('bare-append', system.label, run, result, await system.verify(written.rows));
      this.keep({
        measurement: 'bare-append',
        system: system.label,
        run,
        slot,
        result,
        conflictsRetried: system.conflicts - conflictsBefore,
      });
    }
  }

  private check(
    measurement: Measurement,
    system: string,
    run: number,
    result: LoadResult,
    problems: readonly string[],
  ): void {
    const failures =
      result.failures > 0 ? [`${result.failures} failed, first: ${result.firstFailure}`] : [];
    const all = [...failures, ...problems];
    if (all.length > 0) {
      throw new VerificationError(
        `${system}, ${measurement}, run ${run}: the run is broken, its numbers are void\n  ${all.join('\n  ')}`,
      );
    }
  }

  private keep(record: RunRecord): void {
    this.records.push(record);
    const { result } = record;
    log(
      `  run ${record.run}  ${record.measurement.padEnd(18)}  ${record.system.padEnd(13)}  ` +
        `${Math.round(result.perSecond).toString().padStart(6)}/s  ` +
        `${result.operations} in ${result.seconds.toFixed(2)} s  ` +
        `p50 ${result.latencyMs.p50.toFixed(2)} ms  p99 ${result.latencyMs.p99.toFixed(2)} ms  ` +
        `node CPU ${result.clientCpuMsPerOp.toFixed(3)} ms/op  load ${result.loadAverage1m.toFixed(1)}` +
        (record.conflictsRetried > 0 ? `  ${record.conflictsRetried} conflicts retried` : '') +
        '  verified',
    );
  }

  rates(measurement: Measurement, system: string): number[] {
    return this.records
      .filter((r) => r.measurement === measurement && r.system === system)
      .map((r) => r.result.perSecond);
  }

  /** Ratio run by run: a slow stretch of the machine hits both sides of one pair alike. */
  pairedRatios(measurement: Measurement, numerator: string, denominator: string): number[] {
    const over = this.rates(measurement, denominator);
    return this.rates(measurement, numerator).map((value, index) => value / over[index]!);
  }
}

interface Comparison {
  readonly measurement: Measurement;
  readonly label: string;
  readonly numerator: string;
  readonly denominator: string;
  readonly numeratorRate: Spread;
  readonly denominatorRate: Spread;
  /** Median of numerator over median of denominator. */
  readonly ratioOfMedians: number;
  readonly pairedRatios: Spread;
}

function compare(
  bench: Bench,
  measurement: Measurement,
  label: string,
  numerator: string,
  denominator: string,
): Comparison {
  const numeratorRate = spread(bench.rates(measurement, numerator));
  const denominatorRate = spread(bench.rates(measurement, denominator));
  return {
    measurement,
    label,
    numerator,
    denominator,
    numeratorRate,
    denominatorRate,
    ratioOfMedians: numeratorRate.median / denominatorRate.median,
    pairedRatios: spread(bench.pairedRatios(measurement, numerator, denominator)),
  };
}

function details(bench: Bench, measurement: Measurement, system: string): string {
  const rows = bench.records.filter((r) => r.measurement === measurement && r.system === system);
  const median = (pick: (result: LoadResult) => number): string =>
    spread(rows.map((r) => pick(r.result))).median.toFixed(2);
  const conflicts = rows.reduce((sum, r) => sum + r.conflictsRetried, 0);
  return (
    `${median((r) => r.latencyMs.p50)} / ${median((r) => r.latencyMs.p99)} ms, ` +
    `CPU ${median((r) => r.clientCpuMsPerOp)} ms, ${conflicts} conflicts`
  );
}

interface Systems {
  readonly ours: LedgerSystem;
  readonly uncached: LedgerSystem | undefined;
  readonly emmett: EmmettSystem;
  readonly raw: RawInsertSystem;
  readonly ids: readonly string[];
  readonly commandSystems: readonly { system: CommandSystem; tally: DepositTally }[];
  readonly appendSystems: readonly { system: AppendSystem; written: { rows: number } }[];
}

/** Each system in a database of its own, its accounts opened and warmed up (untimed). */
async function setUp(session: BenchSession, config: BenchConfig): Promise<Systems> {
  const database = async (label: string) => {
    const db = await session.database(label);
    return { db, pool: session.pool(db.url, config.poolSize) };
  };
  const oursDb = await database('ours');
  const uncachedDb = config.skipUncached ? undefined : await database('ours_uncached');
  const emmettDb = await database('emmett');
  const rawDb = await database('raw');
  // Each system in its own database: two of ours sharing one would keep invalidating
  // each other's stream cache.
  const ours = new LedgerSystem(oursDb.pool, { label: 'ours' });
  session.defer(() => ours.close());
  const uncached =
    uncachedDb && new LedgerSystem(uncachedDb.pool, { label: 'ours-uncached', streamCacheSize: 0 });
  if (uncached) session.defer(() => uncached.close());
  const emmett = new EmmettSystem(emmettDb.db.url, emmettDb.pool);
  session.defer(() => emmett.close());
  const raw = new RawInsertSystem(rawDb.pool);

  log('\nSetup (not timed)');
  const ids = accountIds(config.accounts);
  const commandSystems = [ours, ...(uncached ? [uncached] : []), emmett].map((system) => ({
    system,
    tally: new DepositTally(ids),
  }));
  for (const { system, tally } of commandSystems) await warmUp(system, tally, ids, config);
  await raw.createTable();
  const appendSystems: { system: AppendSystem; written: { rows: number } }[] = [
    { system: ours, written: { rows: 0 } },
    { system: raw, written: { rows: 0 } },
    ...(config.skipEmmettBare ? [] : [{ system: emmett, written: { rows: 0 } }]),
  ];
  return { ours, uncached, emmett, raw, ids, commandSystems, appendSystems };
}

/** Opens the accounts, then warms the JIT and the pool on the real path before anything counts. */
async function warmUp(
  system: CommandSystem,
  tally: DepositTally,
  ids: readonly string[],
  config: BenchConfig,
): Promise<void> {
  const started = Date.now();
  await system.openAccounts(ids, config.concurrency);
  const deposits = planDeposits(
    seededRandom(config.seed + 1),
    Math.min(1_000, config.accounts * 2),
    config.accounts,
    'warm-up',
  );
  const result = await runLoad(deposits.length, config.concurrency, (index) => {
    const deposit = deposits[index]!;
    return system.deposit(ids[deposit.accountIndex]!, deposit);
  });
  tally.record(deposits);
  const problems = tally.compare(await system.depositTotals());
  if (result.failures > 0 || problems.length > 0) {
    throw new VerificationError(
      `${system.label} warm-up broken: ${result.firstFailure ?? ''} ${problems.join('; ')}`,
    );
  }
  log(
    `  ${system.label}: ${ids.length} accounts opened, ${deposits.length} warm-up deposits, ${((Date.now() - started) / 1_000).toFixed(1)} s`,
  );
}

/** The timed runs, each system's turn rotated from run to run. */
async function measure(bench: Bench, systems: Systems, config: BenchConfig): Promise<void> {
  const random = seededRandom(config.seed);
  for (let run = 1; run <= config.runs; run++) {
    log(`\nRun ${run} of ${config.runs}`);
    const order = rotate(systems.commandSystems, run - 1);
    const plan = (count: number, label: string): Deposit[] =>
      planDeposits(random, count, config.accounts, `r${run}-${label}`);
    const sequential = plan(config.sequentialCommands, 'seq');
    await bench.commandPhase('deposit-sequential', run, order, systems.ids, sequential, 1);
    const concurrent = plan(config.concurrentCommands, 'conc');
    await bench.commandPhase(
      'deposit-concurrent',
      run,
      order,
      systems.ids,
      concurrent,
      config.concurrency,
    );
    const bare = plan(config.bareAppends, 'bare');
    await bench.appendPhase(run, rotate(systems.appendSystems, run - 1), bare);
  }
}

function comparisons(bench: Bench, systems: Systems, config: BenchConfig): Comparison[] {
  const { ours, uncached, emmett, raw } = systems;
  const oursVariants = [ours, ...(uncached ? [uncached] : [])];
  return [
    ...(['deposit-sequential', 'deposit-concurrent'] as const).flatMap((m) =>
      oursVariants.map((variant) =>
        compare(
          bench,
          m,
          describe(m, m === 'deposit-sequential' ? 1 : config.concurrency),
          variant.label,
          emmett.label,
        ),
      ),
    ),
    ...[ours, ...(config.skipEmmettBare ? [] : [emmett])].map((system) =>
      compare(
        bench,
        'bare-append',
        describe('bare-append', config.concurrency),
        system.label,
        raw.label,
      ),
    ),
  ];
}

/** Prints the tables; answers the bench's own part of the results. */
function report(bench: Bench, systems: Systems, config: BenchConfig): Record<string, unknown> {
  const compared = comparisons(bench, systems, config);
  log(
    `\nResults: ${config.runs} run(s) each, median (min – max); ratio = median / median [paired per-run ratios: median (min – max)]`,
  );
  log(
    renderTable(
      ['Measurement', 'Subject', 'Baseline', 'Ratio'],
      compared.map((c) => [
        c.label,
        `${c.numerator}: ${formatSpread(c.numeratorRate)}`,
        `${c.denominator}: ${formatSpread(c.denominatorRate)}`,
        `${formatRatio(c.ratioOfMedians)} [${formatSpread(c.pairedRatios, formatRatio)}]`,
      ]),
    ),
  );
  log('\nMedians over runs: latency p50 / p99, Node CPU per operation; conflicts retried in total');
  const { ours, uncached, emmett, raw } = systems;
  const columns = [ours, ...(uncached ? [uncached] : []), emmett, raw];
  log(
    renderTable(
      ['Measurement', ...columns.map((system) => system.label)],
      (['deposit-sequential', 'deposit-concurrent', 'bare-append'] as const).map((m) => [
        describe(m, m === 'deposit-sequential' ? 1 : config.concurrency),
        ...columns.map((system) =>
          bench.rates(m, system.label).length > 0 ? details(bench, m, system.label) : '–',
        ),
      ]),
    ),
  );
  return {
    systems: {
      ours: 'AggregateStore (default options: stream cache on) over PostgresEventStore',
      ...(uncached
        ? { 'ours-uncached': 'the same with streamCacheSize 0: every command reads first' }
        : {}),
      Emmett: 'CommandHandler over getPostgreSQLEventStore, conflict retry as ours',
      'raw INSERT': 'single-row autocommit INSERT into bench_raw (bigserial key)',
    },
    summary: compared.map((c) => ({
      measurement: c.measurement,
      label: c.label,
      [c.numerator]: c.numeratorRate,
      [c.denominator]: c.denominatorRate,
      ratio: {
        of: `${c.numerator}/${c.denominator}`,
        ratioOfMedians: c.ratioOfMedians,
        pairedRatios: c.pairedRatios,
      },
    })),
    runs: bench.records,
  };
}

async function main(): Promise<number> {
  const config = readConfig(process.argv.slice(2), process.env);
  if (!config) {
    log(USAGE);
    return 0;
  }
  return runSession({
    name: 'command-throughput',
    title: 'Command throughput bench',
    config,
    describe: (c) =>
      c.observability
        ? `observability ${c.observability}: ${c.accounts} accounts and ${c.concurrentCommands} deposits ` +
          `over HTTP per run, ${c.concurrency} in flight; ${c.runs} runs`
        : `${c.accounts} accounts; per run ${c.sequentialCommands} sequential + ` +
          `${c.concurrentCommands} concurrent deposits, ${c.bareAppends} bare appends; ` +
          `${c.runs} runs; ${c.concurrency} workers on pools of ${c.poolSize}`,
    run: async (session) => {
      if (config.observability) return commandOverhead(session, config, config.observability);
      const systems = await setUp(session, config);
      const bench = new Bench(config);
      await measure(bench, systems, config);
      return report(bench, systems, config);
    },
  });
}

exitWith(main);
