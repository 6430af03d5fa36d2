import { type AuthConfig, loadAuthConfig } from './auth-config.js';
import { decimal, integer, nonEmpty, oneOf } from './env-values.js';
import { type GraphQLConfig, loadGraphQLConfig } from './graphql-config.js';
import { type SagaConfig, loadSagaConfig } from './saga-config.js';
import { type TelemetryConfig, loadTelemetryConfig } from './telemetry-config.js';

/** Runtime selection, read once from the environment (see README, "Configuration"). */
export interface LedgerConfig {
  /** PostgreSQL for read models and idempotency (and events unless eventStoreUrl); undefined: embedded. */
  readonly databaseUrl: string | undefined;
  /** EventStoreDB connection string; undefined: events in PostgreSQL. */
  readonly eventStoreUrl: string | undefined;
  /** Elasticsearch for the order-search index; undefined: search is served from PostgreSQL. */
  readonly elasticsearchUrl: string | undefined;
  readonly port: number;
  /** The address the HTTP server listens on: loopback unless told otherwise. */
  readonly host: string;
  /** Where the embedded PostgreSQL keeps its data. */
  readonly dataDir: string;
  readonly databasePoolSize: number;
  /** Whether this process runs the projectors (LEDGER_PROJECTIONS=off for a write-only instance). */
  readonly projectionsEnabled: boolean;
  readonly projectionBatchSize: number;
  /** What a projector does with an event it cannot apply: park it and stop, or park it and skip it. */
  readonly projectionOnFailure: 'stop' | 'skip';
  /** A rebuild's rest after each page it loads, as a multiple of the page's time (see BulkLoadOptions). */
  readonly rebuildPace: number;
  readonly sagas: SagaConfig;
  readonly auth: AuthConfig;
  readonly graphql: GraphQLConfig;
  readonly telemetry: TelemetryConfig;
}

export const LEDGER_CONFIG = Symbol('LEDGER_CONFIG');

export function loadConfig(env: NodeJS.ProcessEnv = process.env): LedgerConfig {
  return {
    databaseUrl: nonEmpty(env['DATABASE_URL']),
    eventStoreUrl: nonEmpty(env['EVENTSTORE_URL']),
    elasticsearchUrl: nonEmpty(env['ELASTICSEARCH_URL']),
    port: integer('PORT', env['PORT'], 3000, 0, 65_535),
    // Loopback by default: a ledger is reachable from elsewhere only when an operator says so.
    host: nonEmpty(env['HOST']) ?? '127.0.0.1',
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
    rebuildPace: decimal('LEDGER_REBUILD_PACE', env['LEDGER_REBUILD_PACE'], 1, 0, 10),
    sagas: loadSagaConfig(env),
    auth: loadAuthConfig(env),
    graphql: loadGraphQLConfig(env),
    telemetry: loadTelemetryConfig(env),
  };
}
