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
  readonly auth: AuthConfig;
}

/** Bearer tokens (see README, "Authentication"). */
export interface AuthConfig {
  /**
   * LEDGER_JWT_SECRET as bytes (UTF-8, surrounding blanks ignored); undefined: none given, so
   * the data directory's secret file serves, unless only a JWKS URL is configured.
   */
  readonly jwtSecret: Uint8Array | undefined;
  /** Where the identity provider publishes its RS256/ES256 keys; undefined: none. */
  readonly jwksUrl: URL | undefined;
  /** Required `iss` of every token when set. */
  readonly issuer: string | undefined;
  /** Required `aud` (one of its values) of every token when set. */
  readonly audience: string | undefined;
  /** How far `exp` and `nbf` may be off the server's clock. */
  readonly clockSkewSeconds: number;
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

/** HS256 keys shorter than its hash are weak (RFC 7518, 3.2); longer ones are bounded for sanity. */
export const MIN_JWT_SECRET_BYTES = 32;
export const MAX_JWT_SECRET_BYTES = 4096;
const MAX_CLAIM_SETTING_LENGTH = 1024;
/** Hosts whose JWKS may come over plain http (a key set over the network needs https). */
const LOOPBACK_HOSTS = ['127.0.0.1', 'localhost', '[::1]'];

function jwtSecret(value: string | undefined): Uint8Array | undefined {
  const given = nonEmpty(value);
  if (given === undefined) return undefined;
  const bytes = new TextEncoder().encode(given);
  // The length is told, never the value: a start-up message ends up in logs.
  if (bytes.length < MIN_JWT_SECRET_BYTES || bytes.length > MAX_JWT_SECRET_BYTES) {
    throw new Error(
      `LEDGER_JWT_SECRET must be ${MIN_JWT_SECRET_BYTES} to ${MAX_JWT_SECRET_BYTES} bytes ` +
        `(it has ${bytes.length}); e.g. openssl rand -base64 48, or leave it unset for a ` +
        'secret generated into the data directory',
    );
  }
  return bytes;
}

function jwksUrl(value: string | undefined): URL | undefined {
  const given = nonEmpty(value);
  if (given === undefined) return undefined;
  if (!URL.canParse(given)) throw new Error('LEDGER_JWKS_URL is not a URL');
  const url = new URL(given);
  // Keys fetched in the clear could be swapped on the way: only loopback may skip TLS.
  const loopback = url.protocol === 'http:' && LOOPBACK_HOSTS.includes(url.hostname);
  if (url.protocol !== 'https:' && !loopback) {
    throw new Error(
      'LEDGER_JWKS_URL must be an https URL (http only on 127.0.0.1, localhost or [::1]), ' +
        `got ${url.protocol}//${url.host}`,
    );
  }
  if (url.username !== '' || url.password !== '') {
    throw new Error('LEDGER_JWKS_URL must not hold a user name or password');
  }
  return url;
}

function claimSetting(name: string, value: string | undefined): string | undefined {
  const given = nonEmpty(value);
  if (given !== undefined && given.length > MAX_CLAIM_SETTING_LENGTH) {
    throw new Error(`${name} must be at most ${MAX_CLAIM_SETTING_LENGTH} characters`);
  }
  return given;
}

export function loadAuthConfig(env: NodeJS.ProcessEnv): AuthConfig {
  return {
    jwtSecret: jwtSecret(env['LEDGER_JWT_SECRET']),
    jwksUrl: jwksUrl(env['LEDGER_JWKS_URL']),
    issuer: claimSetting('LEDGER_JWT_ISSUER', env['LEDGER_JWT_ISSUER']),
    audience: claimSetting('LEDGER_JWT_AUDIENCE', env['LEDGER_JWT_AUDIENCE']),
    clockSkewSeconds: integer(
      'LEDGER_JWT_CLOCK_SKEW_SECONDS',
      env['LEDGER_JWT_CLOCK_SKEW_SECONDS'],
      30,
      0,
      300,
    ),
  };
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
    auth: loadAuthConfig(env),
  };
}
