import { type SagaConfig, loadSagaConfig } from './saga-config.js';

/** Runtime selection, read once from the environment (see README, "Configuration"). */
export interface LedgerConfig {
  /** PostgreSQL for read models and idempotency (and events unless eventStoreUrl); undefined: embedded. */
  readonly databaseUrl: string | undefined;
  /** EventStoreDB connection string; undefined: events in PostgreSQL. */
  readonly eventStoreUrl: string | undefined;
  readonly elasticsearchUrl: string | undefined;
  readonly port: number;
  /** Where the embedded PostgreSQL keeps its data. */
  readonly dataDir: string;
  readonly databasePoolSize: number;
  /** Whether this process runs the projectors (LEDGER_PROJECTIONS=off for a write-only instance). */
  readonly projectionsEnabled: boolean;
  readonly projectionBatchSize: number;
  /** What a projector does with an event it cannot apply: park it and stop, or park it and skip it. */
  readonly projectionOnFailure: 'stop' | 'skip';
  readonly sagas: SagaConfig;
}

export const LEDGER_CONFIG = Symbol('LEDGER_CONFIG');

export function nonEmpty(value: string | undefined): string | undefined {
  return value === undefined || value.trim() === '' ? undefined : value.trim();
}

export function integer(
  name: string,
  value: string | undefined,
  fallback: number,
  min: number,
  max: number,
): number {
  if (nonEmpty(value) === undefined) return fallback;
  const parsed = Number(value);
  if (!Number.isInteger(parsed) || parsed < min || parsed > max) {
    throw new Error(`${name} must be an integer from ${min} to ${max}, got "${value}"`);
  }
  return parsed;
}

function oneOf<T extends string>(
  name: string,
  value: string | undefined,
  allowed: readonly T[],
  fallback: T,
): T {
  const given = nonEmpty(value);
  if (given === undefined) return fallback;
  if (!(allowed as readonly string[]).includes(given)) {
    throw new Error(`${name} must be one of ${allowed.join(', ')}, got "${value}"`);
  }
  return given as T;
}

export function loadConfig(env: NodeJS.ProcessEnv = process.env): LedgerConfig {
  return {
    databaseUrl: nonEmpty(env['DATABASE_URL']),
    eventStoreUrl: nonEmpty(env['EVENTSTORE_URL']),
    elasticsearchUrl: nonEmpty(env['ELASTICSEARCH_URL']),
    port: integer('PORT', env['PORT'], 3000, 0, 65_535),
    dataDir: nonEmpty(env['LEDGER_DATA_DIR']) ?? './.ledger',
    databasePoolSize: integer('LEDGER_DB_POOL_SIZE', env['LEDGER_DB_POOL_SIZE'], 20, 2, 500),
    projectionsEnabled:
      oneOf('LEDGER_PROJECTIONS', env['LEDGER_PROJECTIONS'], ['on', 'off'], 'on') === 'on',
    projectionBatchSize: integer(
      'LEDGER_PROJECTION_BATCH_SIZE',
      env['LEDGER_PROJECTION_BATCH_SIZE'],
      1_000,
      1,
      10_000,
    ),
    projectionOnFailure: oneOf(
      'LEDGER_PROJECTION_ON_FAILURE',
      env['LEDGER_PROJECTION_ON_FAILURE'],
      ['stop', 'skip'],
      'stop',
    ),
    sagas: loadSagaConfig(env),
  };
}
