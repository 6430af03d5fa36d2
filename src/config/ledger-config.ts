import { type AuthConfig, loadAuthConfig } from './auth-config.js';
import { validateEnvironment } from './config-problems.js';
import { type DeploymentConfig, loadDeploymentConfig, runsWorkers } from './deployment-config.js';
import { decimal, integer, nonEmpty, oneOf, url } from './env-values.js';
import { type GraphQLConfig, loadGraphQLConfig } from './graphql-config.js';
import { type ReadReplicaConfig, loadReadReplicaConfig } from './read-replica-config.js';
import { type HealthConfig, loadHealthConfig } from './health-config.js';
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
  /** Whether this process runs the projectors (LEDGER_PROJECTIONS=off, or LEDGER_ROLE=api, for a write-only instance). */
  readonly projectionsEnabled: boolean;
  readonly projectionBatchSize: number;
  /** What a projector does with an event it cannot apply: park it and stop, or park it and skip it. */
  readonly projectionOnFailure: 'stop' | 'skip';
  /** A rebuild's rest after each page it loads, as a multiple of the page's time (see BulkLoadOptions). */
  readonly rebuildPace: number;
  /**
   * The niceness (0 to 19) of the process an app's rebuild runs in: a rebuild takes the
   * cores the live path leaves, and its pages never wait their turn on the app's event loop.
   */
  readonly rebuildNice: number;
  readonly sagas: SagaConfig;
  readonly auth: AuthConfig;
  readonly graphql: GraphQLConfig;
  readonly readReplica: ReadReplicaConfig;
  readonly deployment: DeploymentConfig;
  readonly telemetry: TelemetryConfig;
  readonly health: HealthConfig;
}

export const LEDGER_CONFIG = Symbol('LEDGER_CONFIG');

/**
 * Every variable is read, and all problems are reported together (ConfigurationError).
 * A loader of another section joins as one field below, reading with env-values.ts.
 */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): LedgerConfig {
  return validateEnvironment(() => readConfig(env));
}

function readConfig(env: NodeJS.ProcessEnv): LedgerConfig {
  const deployment = loadDeploymentConfig(env);
  const sagas = loadSagaConfig(env);
  return {
    databaseUrl: url('DATABASE_URL', env['DATABASE_URL'], ['postgres:', 'postgresql:']),
    eventStoreUrl: url('EVENTSTORE_URL', env['EVENTSTORE_URL'], [
      'esdb:',
      'esdb+discover:',
      'kurrentdb:',
      'kurrentdb+discover:',
    ]),
    elasticsearchUrl: url('ELASTICSEARCH_URL', env['ELASTICSEARCH_URL'], ['http:', 'https:']),
    port: integer('PORT', env['PORT'], 3000, 0, 65_535),
    // Loopback by default: a ledger is reachable from elsewhere only when an operator says so.
    host: nonEmpty(env['HOST']) ?? '127.0.0.1',
    dataDir: nonEmpty(env['LEDGER_DATA_DIR']) ?? './.ledger',
    databasePoolSize: integer('LEDGER_DB_POOL_SIZE', env['LEDGER_DB_POOL_SIZE'], 20, 2, 500),
    projectionsEnabled:
      runsWorkers(deployment.role) &&
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
    rebuildNice: integer('LEDGER_REBUILD_NICE', env['LEDGER_REBUILD_NICE'], 10, 0, 19),
    sagas: { ...sagas, enabled: runsWorkers(deployment.role) && sagas.enabled },
    auth: loadAuthConfig(env),
    graphql: loadGraphQLConfig(env),
    readReplica: loadReadReplicaConfig(env),
    deployment,
    telemetry: loadTelemetryConfig(env),
    health: loadHealthConfig(env),
  };
}
