import { gitState, packageVersion, writeResults } from '../bench-results.js';
import os from 'node:os';
import type pg from 'pg';
import {
  type BenchDatabase,
  type ServerInfo,
  createBenchDatabase,
  createPool,
  readServerInfo,
} from '../bench-database.js';
import { type BenchOptions, type OptionSpec, readOptions, usage } from './options.js';

/**
 * What every read-side bench shares around its measurements: options, the machine and
 * server header, databases and pools that are always cleaned up, and the result JSON
 * (machine, PostgreSQL version and settings, command line, git state, raw runs, medians).
 */

/** A run whose figures cannot be trusted (lost events, wrong views): no results are written. */
export class VerificationError extends Error {}

export function log(line = ''): void {
  process.stdout.write(`${line}\n`);
}

export interface BenchContext<S extends OptionSpec> {
  readonly options: BenchOptions<S>;
  readonly server: ServerInfo;
  /** A fresh database on the server, dropped at the end (unless --keep-databases). */
  database(label: string): Promise<BenchDatabase>;
  /** A pool with pg's stock parsers (see bench-database.ts), ended at the end. */
  pool(url: string, size: number): pg.Pool;
  /** Cleanup run at the end, last registered first, before pools end and databases drop. */
  defer(close: () => Promise<unknown>): void;
}

export interface BenchDefinition<S extends OptionSpec> {
  /** File name of the results, `bench/results/<name>.json`. */
  readonly name: string;
  readonly title: string;
  /** The compiled script, for the usage text. */
  readonly script: string;
  readonly summary: string;
  readonly options: S;
  /** One header line on what this run will do. */
  describe(options: BenchOptions<S>): string;
  /** Measures and prints; returns what goes into the JSON next to the common fields. */
  run(context: BenchContext<S>): Promise<Record<string, unknown>>;
}

function machine(): Record<string, unknown> {
  const cpus = os.cpus();
  return {
    cpuModel: cpus[0]?.model ?? 'unknown',
    cpuCount: cpus.length,
    totalMemoryBytes: os.totalmem(),
    platform: `${os.type()} ${os.release()} ${os.arch()}`,
    node: process.version,
  };
}

async function execute<S extends OptionSpec>(definition: BenchDefinition<S>): Promise<number> {
  const options = readOptions(
    definition.name,
    definition.options,
    process.argv.slice(2),
    process.env,
  );
  if (!options) {
    log(usage(definition.script, definition.summary, definition.options, definition.name));
    return 0;
  }
  const startedAt = new Date();
  const loadAverageAtStart = os.loadavg();
  const server = await readServerInfo(options.serverUrl);
  const cpus = os.cpus();
  log(
    `${definition.title}${options.quick ? ' (QUICK MODE: smoke run, numbers mean nothing)' : ''}\n` +
      `  ${cpus[0]?.model ?? 'unknown CPU'} x ${cpus.length}, ${(os.totalmem() / 2 ** 30).toFixed(1)} GiB, ` +
      `node ${process.version}, load ${loadAverageAtStart.map((l) => l.toFixed(1)).join(' ')}\n` +
      `  ${server.version}\n  ${definition.describe(options)}`,
  );

  const databases: BenchDatabase[] = [];
  const pools: pg.Pool[] = [];
  const closers: (() => Promise<unknown>)[] = [];
  const context: BenchContext<S> = {
    options,
    server,
    database: async (label) => {
      const db = await createBenchDatabase(options.serverUrl, label);
      databases.push(db);
      return db;
    },
    pool: (url, size) => {
      const pool = createPool(url, size);
      pools.push(pool);
      return pool;
    },
    defer: (close) => {
      closers.push(close);
    },
  };
  try {
    const results = await definition.run(context);
    await writeResults(options.outFile, {
      benchmark: definition.name,
      quick: options.quick,
      timestamp: startedAt.toISOString(),
      finishedAt: new Date().toISOString(),
      commandLine: {
        argv: process.argv,
        execArgv: process.execArgv,
        npmScript: process.env['npm_lifecycle_script'] ?? null,
        cwd: process.cwd(),
      },
      machine: { ...machine(), loadAverageAtStart, loadAverageAtEnd: os.loadavg() },
      postgres: server,
      git: await gitState(),
      versions: {
        node: process.version,
        pg: await packageVersion('pg'),
        emmett: await packageVersion('@event-driven-io/emmett'),
        emmettPostgresql: await packageVersion('@event-driven-io/emmett-postgresql'),
        autocannon: await packageVersion('autocannon'),
      },
      config: { ...options, serverUrl: options.serverUrl.replace(/\/\/[^@/]*@/, '//<user>@') },
      ...results,
    });
    log(`\nWrote ${options.outFile}`);
    return 0;
  } catch (error) {
    if (error instanceof VerificationError) {
      process.stderr.write(`\nVERIFICATION FAILED, no results written:\n${error.message}\n`);
      return 1;
    }
    throw error;
  } finally {
    for (const close of closers.reverse()) await close().catch(() => undefined);
    for (const pool of pools) await pool.end().catch(() => undefined);
    if (options.keepDatabases) {
      if (databases.length > 0) log(`Kept databases: ${databases.map((db) => db.name).join(', ')}`);
    } else {
      for (const db of databases) await db.drop().catch(() => undefined);
    }
  }
}

/** The bench's entry point: runs it and sets the exit code (1 on a failed verification or error). */
export function runBench<S extends OptionSpec>(definition: BenchDefinition<S>): void {
  execute(definition).then(
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
}

export interface LatencySummary {
  readonly count: number;
  readonly p50: number;
  readonly p90: number;
  readonly p99: number;
  readonly max: number;
  readonly mean: number;
}

/** Nearest-rank percentiles of a set of latencies (milliseconds). */
export function summarizeLatencies(values: readonly number[]): LatencySummary {
  const sorted = Float64Array.from(values).sort();
  const at = (fraction: number): number =>
    sorted.length === 0
      ? 0
      : sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(fraction * sorted.length) - 1))]!;
  let sum = 0;
  for (const value of sorted) sum += value;
  return {
    count: sorted.length,
    p50: at(0.5),
    p90: at(0.9),
    p99: at(0.99),
    max: sorted.length === 0 ? 0 : sorted[sorted.length - 1]!,
    mean: sorted.length === 0 ? 0 : sum / sorted.length,
  };
}

export function formatMs(value: number): string {
  return `${value.toFixed(value < 10 ? 2 : 1)} ms`;
}

/**
 * Asks PostgreSQL to flush dirty buffers before a timed phase, so that a checkpoint
 * forced by the previous phase's writes does not land in this one. Needs superuser;
 * without it the phase simply runs without.
 */
export async function settle(pool: pg.Pool): Promise<void> {
  await pool.query('CHECKPOINT').catch(() => undefined);
}
