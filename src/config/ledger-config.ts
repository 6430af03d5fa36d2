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
}

export const LEDGER_CONFIG = Symbol('LEDGER_CONFIG');

function nonEmpty(value: string | undefined): string | undefined {
  return value === undefined || value.trim() === '' ? undefined : value.trim();
}

function integer(
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

export function loadConfig(env: NodeJS.ProcessEnv = process.env): LedgerConfig {
  return {
    databaseUrl: nonEmpty(env['DATABASE_URL']),
    eventStoreUrl: nonEmpty(env['EVENTSTORE_URL']),
    elasticsearchUrl: nonEmpty(env['ELASTICSEARCH_URL']),
    port: integer('PORT', env['PORT'], 3000, 0, 65_535),
    dataDir: nonEmpty(env['LEDGER_DATA_DIR']) ?? './.ledger',
    databasePoolSize: integer('LEDGER_DB_POOL_SIZE', env['LEDGER_DB_POOL_SIZE'], 20, 2, 500),
  };
}
