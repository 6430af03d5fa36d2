import { reject } from './config-problems.js';
import { integer, nonEmpty, oneOf } from './env-values.js';

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
  /** GraphQL requests a second per authenticated caller (by token subject); 0: no limit. */
  readonly requestsPerSecond: number;
  /** GraphQL requests a second per address without a valid token; 0: no limit. */
  readonly anonymousRequestsPerSecond: number;
  /** Who may read /metrics: an admin token, or anyone who reaches the port. */
  readonly metricsAccess: 'admin' | 'open';
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
    return reject(
      `LEDGER_JWT_SECRET must be ${MIN_JWT_SECRET_BYTES} to ${MAX_JWT_SECRET_BYTES} bytes ` +
        `(it has ${bytes.length}); e.g. openssl rand -base64 48, or leave it unset for a ` +
        'secret generated into the data directory',
      undefined,
    );
  }
  return bytes;
}

function jwksUrl(value: string | undefined): URL | undefined {
  const given = nonEmpty(value);
  if (given === undefined) return undefined;
  if (!URL.canParse(given)) return reject('LEDGER_JWKS_URL is not a URL', undefined);
  const url = new URL(given);
  // Keys fetched in the clear could be swapped on the way: only loopback may skip TLS.
  const loopback = url.protocol === 'http:' && LOOPBACK_HOSTS.includes(url.hostname);
  if (url.protocol !== 'https:' && !loopback) {
    return reject(
      'LEDGER_JWKS_URL must be an https URL (http only on 127.0.0.1, localhost or [::1]), ' +
        `got ${url.protocol}//${url.host}`,
      undefined,
    );
  }
  if (url.username !== '' || url.password !== '') {
    return reject('LEDGER_JWKS_URL must not hold a user name or password', undefined);
  }
  return url;
}

function claimSetting(name: string, value: string | undefined): string | undefined {
  const given = nonEmpty(value);
  if (given !== undefined && given.length > MAX_CLAIM_SETTING_LENGTH) {
    return reject(`${name} must be at most ${MAX_CLAIM_SETTING_LENGTH} characters`, undefined);
  }
  return given;
}

export function loadAuthConfig(env: NodeJS.ProcessEnv): AuthConfig {
  return {
    jwtSecret: jwtSecret(env['LEDGER_JWT_SECRET']),
    jwksUrl: jwksUrl(env['LEDGER_JWKS_URL']),
    issuer: claimSetting('LEDGER_JWT_ISSUER', env['LEDGER_JWT_ISSUER']),
    audience: claimSetting('LEDGER_JWT_AUDIENCE', env['LEDGER_JWT_AUDIENCE']),
    requestsPerSecond: integer(
      'LEDGER_RATE_LIMIT_PER_SECOND',
      env['LEDGER_RATE_LIMIT_PER_SECOND'],
      100,
      0,
      1_000_000,
    ),
    anonymousRequestsPerSecond: integer(
      'LEDGER_ANONYMOUS_RATE_LIMIT_PER_SECOND',
      env['LEDGER_ANONYMOUS_RATE_LIMIT_PER_SECOND'],
      10,
      0,
      1_000_000,
    ),
    metricsAccess: oneOf(
      'LEDGER_METRICS_ACCESS',
      env['LEDGER_METRICS_ACCESS'],
      ['admin', 'open'],
      'admin',
    ),
    clockSkewSeconds: integer(
      'LEDGER_JWT_CLOCK_SKEW_SECONDS',
      env['LEDGER_JWT_CLOCK_SKEW_SECONDS'],
      30,
      0,
      300,
    ),
  };
}
