/**
 * Command throughput: our AggregateStore over PostgresEventStore against Emmett's
 * CommandHandler over its PostgreSQL event store, on the same server, in the same run,
 * each in a fresh database; plus our bare append against a raw INSERT ceiling.
 * Ours runs twice: as constructed by default (its stream cache skips the read when this
 * process wrote the stream last) and with the cache off, which is what every command
 * pays when another process wrote the stream, and what Emmett pays on every command.
 * `npm run bench`, `--help` for the knobs.
 */
import { gitState, packageVersion, rotate, writeResults } from './bench-results.js';
import os from 'node:os';
import type pg from 'pg';
import { type BenchConfig, USAGE, readConfig } from './bench-config.js';
import {
  type BenchDatabase,
  type ServerInfo,
  createBenchDatabase,
  createPool,
  readServerInfo,
} from './bench-database.js';
import { type AppendSystem, type CommandSystem } from './bench-systems.js';
import { EmmettSystem } from './emmett-system.js';
import { LedgerSystem } from './ledger-system.js';
import { type LoadResult, runLoad } from './load-runner.js';
import { RawInsertSystem } from './raw-insert-system.js';
import { type Spread, formatRatio, formatSpread, renderTable, spread } from './stats.js';
import { seededRandom } from '../src/infrastructure/seeded-random.js';
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

class VerificationError extends Error {}

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

function log(line: string): void {
  process.stdout.write(`${line}\n`);
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

async function main(): Promise<number> {
  const config = readConfig(process.argv.slice(2), process.env);
  if (!config) {
    log(USAGE);
    return 0;
  }
  const startedAt = new Date();
  const loadAverageAtStart = os.loadavg();
  const server: ServerInfo = await readServerInfo(config.serverUrl);
  const cpus = os.cpus();
  log(
    `Command throughput bench${config.quick ? ' (QUICK MODE: smoke run, numbers mean nothing)' : ''}\n` +
      `  ${cpus[0]?.model ?? 'unknown CPU'} x ${cpus.length}, ${(os.totalmem() / 2 ** 30).toFixed(1)} GiB, ` +
      `node ${process.version}\n  ${server.version}\n` +
      `  ${config.accounts} accounts; per run ${config.sequentialCommands} sequential + ` +
      `${config.concurrentCommands} concurrent deposits, ${config.bareAppends} bare appends; ` +
      `${config.runs} runs; ${config.concurrency} workers on pools of ${config.poolSize}`,
  );

  const databases: BenchDatabase[] = [];
  const pools: pg.Pool[] = [];
  const closers: (() => Promise<void>)[] = [];
  const database = async (label: string): Promise<{ db: BenchDatabase; pool: pg.Pool }> => {
    const db = await createBenchDatabase(config.serverUrl, label);
    databases.push(db);
    const pool = createPool(db.url, config.poolSize);
    pools.push(pool);
    return { db, pool };
  };

  const bench = new Bench(config);
  try {
    const oursDb = await database('ours');
    const uncachedDb = config.skipUncached ? undefined : await database('ours_uncached');
    const emmettDb = await database('emmett');
    const rawDb = await database('raw');
    // Each system in its own database: two of ours sharing one would keep invalidating
    // each other's stream cache.
    const ours = new LedgerSystem(oursDb.pool, { label: 'ours' });
    closers.push(() => ours.close());
    const uncached =
      uncachedDb &&
      new LedgerSystem(uncachedDb.pool, { label: 'ours-uncached', streamCacheSize: 0 });
    if (uncached) closers.push(() => uncached.close());
    const emmett = new EmmettSystem(emmettDb.db.url, emmettDb.pool);
    closers.push(() => emmett.close());
    const raw = new RawInsertSystem(rawDb.pool);

    log('\nSetup (not timed)');
    const ids = accountIds(config.accounts);
    const commandSystems: { system: CommandSystem; tally: DepositTally }[] = [
      { system: ours, tally: new DepositTally(ids) },
      ...(uncached ? [{ system: uncached, tally: new DepositTally(ids) }] : []),
      { system: emmett, tally: new DepositTally(ids) },
    ];
    for (const { system, tally } of commandSystems) {
      const started = Date.now();
      await system.openAccounts(ids, config.concurrency);
      // Warm the JIT and the pool on the real path before anything counts.
      const warmUp = planDeposits(
        seededRandom(config.seed + 1),
        Math.min(1_000, config.accounts * 2),
        config.accounts,
        'warm-up',
      );
      const result = await runLoad(warmUp.length, config.concurrency, (index) => {
        const deposit = warmUp[index]!;
        return system.deposit(ids[deposit.accountIndex]!, deposit);
      });
      tally.record(warmUp);
      const problems = tally.compare(await system.depositTotals());
      if (result.failures > 0 || problems.length > 0) {
        throw new VerificationError(
          `${system.label} warm-up broken: ${result.firstFailure ?? ''} ${problems.join('; ')}`,
        );
      }
      log(
        `  ${system.label}: ${ids.length} accounts opened, ${warmUp.length} warm-up deposits, ${((Date.now() - started) / 1_000).toFixed(1)} s`,
      );
    }
    await raw.createTable();

    const appendSystems: { system: AppendSystem; written: { rows: number } }[] = [
      { system: ours, written: { rows: 0 } },
      { system: raw, written: { rows: 0 } },
      ...(config.skipEmmettBare ? [] : [{ system: emmett, written: { rows: 0 } }]),
    ];

    const random = seededRandom(config.seed);
    for (let run = 1; run <= config.runs; run++) {
      log(`\nRun ${run} of ${config.runs}`);
      const order = rotate(commandSystems, run - 1);
      const sequential = planDeposits(
        random,
        config.sequentialCommands,
        config.accounts,
        `r${run}-seq`,
      );
      await bench.commandPhase('deposit-sequential', run, order, ids, sequential, 1);
      const concurrent = planDeposits(
        random,
        config.concurrentCommands,
        config.accounts,
        `r${run}-conc`,
      );
      await bench.commandPhase(
        'deposit-concurrent',
        run,
        order,
        ids,
        concurrent,
        config.concurrency,
      );
      const bare = planDeposits(random, config.bareAppends, config.accounts, `r${run}-bare`);
      await bench.appendPhase(run, rotate(appendSystems, run - 1), bare);
    }

    const oursVariants = [ours, ...(uncached ? [uncached] : [])];
    const comparisons: Comparison[] = [
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

    log(
      `\nResults: ${config.runs} run(s) each, median (min – max); ratio = median / median [paired per-run ratios: median (min – max)]`,
    );
    log(
      renderTable(
        ['Measurement', 'Subject', 'Baseline', 'Ratio'],
        comparisons.map((c) => [
          c.label,
          `${c.numerator}: ${formatSpread(c.numeratorRate)}`,
          `${c.denominator}: ${formatSpread(c.denominatorRate)}`,
          `${formatRatio(c.ratioOfMedians)} [${formatSpread(c.pairedRatios, formatRatio)}]`,
        ]),
      ),
    );
    log(
      '\nMedians over runs: latency p50 / p99, Node CPU per operation; conflicts retried in total',
    );
    const columns = [...oursVariants, emmett, raw];
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

    const results = {
      benchmark: 'command-throughput',
      timestamp: startedAt.toISOString(),
      finishedAt: new Date().toISOString(),
      commandLine: {
        argv: process.argv,
        execArgv: process.execArgv,
        npmScript: process.env['npm_lifecycle_script'] ?? null,
        cwd: process.cwd(),
      },
      machine: {
        cpuModel: cpus[0]?.model ?? 'unknown',
        cpuCount: cpus.length,
        totalMemoryBytes: os.totalmem(),
        platform: `${os.type()} ${os.release()} ${os.arch()}`,
        node: process.version,
        loadAverageAtStart,
        loadAverageAtEnd: os.loadavg(),
      },
      postgres: server,
      git: await gitState(),
      versions: {
        emmett: await packageVersion('@event-driven-io/emmett'),
        emmettPostgresql: await packageVersion('@event-driven-io/emmett-postgresql'),
        pg: await packageVersion('pg'),
      },
      systems: {
        ours: 'AggregateStore (default options: stream cache on) over PostgresEventStore',
        ...(uncached
          ? { 'ours-uncached': 'the same with streamCacheSize 0: every command reads first' }
          : {}),
        Emmett: 'CommandHandler over getPostgreSQLEventStore, conflict retry as ours',
        'raw INSERT': 'single-row autocommit INSERT into bench_raw (bigserial key)',
      },
      config: { ...config, serverUrl: config.serverUrl.replace(/\/\/[^@/]*@/, '//<user>@') },
      summary: comparisons.map((c) => ({
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
    await writeResults(config.outFile, results);
    log(`\nWrote ${config.outFile}`);
    return 0;
  } catch (error) {
    if (error instanceof VerificationError) {
      process.stderr.write(`\nVERIFICATION FAILED, no results written:\n${error.message}\n`);
      return 1;
    }
    throw error;
  } finally {
    for (const close of closers) await close().catch(() => undefined);
    for (const pool of pools) await pool.end().catch(() => undefined);
    if (config.keepDatabases) {
      log(`Kept databases: ${databases.map((db) => db.name).join(', ')}`);
    } else {
      for (const db of databases) await db.drop();
    }
  }
}

main().then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    process.stderr.write(
      `${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`,
    );
    process.exitCode = 1;
  },
);
