import os from 'node:os';
import type pg from 'pg';
import { type ThrowawayDatabase, createThrowawayDatabase } from '../test-kit/throwaway-database.js';
import { type ServerInfo, createPool, readServerInfo } from './bench-database.js';
import { gitState, packageVersion, writeResults } from './bench-results.js';

/**
 * What every bench does around its measurements: the machine and server header,
 * databases and pools that are always cleaned up, and the result JSON (machine,
 * PostgreSQL version and settings, command line, git state, configuration, next to the
 * bench's own figures).
 */

/** A run whose figures cannot be trusted (lost events, wrong views): no results are written. */
export class VerificationError extends Error {}

export function log(line = ''): void {
  process.stdout.write(`${line}\n`);
}

/** The options every bench has, whatever else it takes. */
export interface SessionConfig {
  readonly serverUrl: string;
  readonly quick: boolean;
  readonly keepDatabases: boolean;
  readonly outFile: string;
}

export interface SessionDefinition<C extends SessionConfig> {
  /** `benchmark` in the results. */
  readonly name: string;
  readonly title: string;
  readonly config: C;
  /** One header line on what this run will do. */
  describe(config: C): string;
  /** Measures and prints; returns what goes into the JSON next to the common fields. */
  run(session: BenchSession): Promise<Record<string, unknown>>;
}

export interface BenchSession {
  readonly server: ServerInfo;
  /** A fresh database on the server, dropped at the end (unless --keep-databases). */
  database(label: string): Promise<ThrowawayDatabase>;
  /** A pool with pg's stock parsers (see bench-database.ts), ended at the end. */
  pool(url: string, size: number): pg.Pool;
  /** Cleanup run at the end, last registered first, before pools end and databases drop. */
  defer(close: () => Promise<unknown>): void;
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

function header<C extends SessionConfig>(
  definition: SessionDefinition<C>,
  server: ServerInfo,
  loadAverage: readonly number[],
): string {
  const cpus = os.cpus();
  const quick = definition.config.quick ? ' (QUICK MODE: smoke run, numbers mean nothing)' : '';
  return (
    `${definition.title}${quick}\n` +
    `  ${cpus[0]?.model ?? 'unknown CPU'} x ${cpus.length}, ${(os.totalmem() / 2 ** 30).toFixed(1)} GiB, ` +
    `node ${process.version}, load ${loadAverage.map((l) => l.toFixed(1)).join(' ')}\n` +
    `  ${server.version}\n  ${definition.describe(definition.config)}`
  );
}

/** What every result file records beside the bench's own figures. */
async function commonResults<C extends SessionConfig>(
  definition: SessionDefinition<C>,
  server: ServerInfo,
  startedAt: Date,
  loadAverageAtStart: readonly number[],
): Promise<Record<string, unknown>> {
  const { config } = definition;
  return {
    benchmark: definition.name,
    quick: config.quick,
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
    config: { ...config, serverUrl: config.serverUrl.replace(/\/\/[^@/]*@/, '//<user>@') },
  };
}

class Resources {
  private readonly databases: ThrowawayDatabase[] = [];
  private readonly pools: pg.Pool[] = [];
  private readonly closers: (() => Promise<unknown>)[] = [];

  constructor(private readonly config: SessionConfig) {}

  session(server: ServerInfo): BenchSession {
    return {
      server,
      database: async (label) => {
        const db = await createThrowawayDatabase(this.config.serverUrl, `bench_${label}`);
        this.databases.push(db);
        return db;
      },
      pool: (url, size) => {
        const pool = createPool(url, size);
        this.pools.push(pool);
        return pool;
      },
      defer: (close) => {
        this.closers.push(close);
      },
    };
  }

  /** Every step runs even when one before it failed: what the run found matters more. */
  async release(): Promise<void> {
    for (const close of this.closers.reverse()) await close().catch(() => undefined);
    for (const pool of this.pools) await pool.end().catch(() => undefined);
    if (this.config.keepDatabases) {
      if (this.databases.length > 0) {
        log(`Kept databases: ${this.databases.map((db) => db.name).join(', ')}`);
      }
    } else {
      for (const db of this.databases) await db.drop().catch(() => undefined);
    }
  }
}

/**
 * Runs a bench and writes its results; answers the exit code: 0, or 1 on a failed
 * verification (no results written). Any other error is thrown after the clean-up.
 */
export async function runSession<C extends SessionConfig>(
  definition: SessionDefinition<C>,
): Promise<number> {
  const startedAt = new Date();
  const loadAverageAtStart = os.loadavg();
  const server = await readServerInfo(definition.config.serverUrl);
  log(header(definition, server, loadAverageAtStart));
  const resources = new Resources(definition.config);
  try {
    const results = await definition.run(resources.session(server));
    await writeResults(definition.config.outFile, {
      ...(await commonResults(definition, server, startedAt, loadAverageAtStart)),
      ...results,
    });
    log(`\nWrote ${definition.config.outFile}`);
    return 0;
  } catch (error) {
    if (error instanceof VerificationError) {
      process.stderr.write(`\nVERIFICATION FAILED, no results written:\n${error.message}\n`);
      return 1;
    }
    throw error;
  } finally {
    await resources.release();
  }
}

/** A bench script's entry point: runs `main` and sets the exit code (1 on an error). */
export function exitWith(main: () => Promise<number>): void {
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
}
