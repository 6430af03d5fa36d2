import type pg from 'pg';
import { type BenchSession, exitWith, runSession } from '../bench-session.js';
import { type BenchOptions, type OptionSpec, readOptions, usage } from './options.js';

/** What every read-side bench shares around its measurements: its options, then the session. */

export interface BenchContext<S extends OptionSpec> extends BenchSession {
  readonly options: BenchOptions<S>;
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

async function execute<S extends OptionSpec>(definition: BenchDefinition<S>): Promise<number> {
  const options = readOptions(
    definition.name,
    definition.options,
    process.argv.slice(2),
    process.env,
  );
  if (!options) {
    process.stdout.write(
      `${usage(definition.script, definition.summary, definition.options, definition.name)}\n`,
    );
    return 0;
  }
  return runSession({
    name: definition.name,
    title: definition.title,
    config: options,
    describe: definition.describe,
    run: (session) => definition.run({ ...session, options }),
  });
}

/** The bench's entry point: runs it and sets the exit code (1 on a failed verification or error). */
export function runBench<S extends OptionSpec>(definition: BenchDefinition<S>): void {
  exitWith(() => execute(definition));
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

/**
 * Vacuums and analyzes the database (so autovacuum has nothing left to start on in the
 * next timed phase), then flushes dirty buffers as `settle` does.
 */
export async function settleDatabase(pool: pg.Pool): Promise<void> {
  await pool.query('VACUUM (ANALYZE)');
  await settle(pool);
}
