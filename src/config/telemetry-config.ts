import { nonEmpty, oneOf } from './env-values.js';

export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

/** Logs and traces (see README, "Logs and traces"). */
export interface TelemetryConfig {
  readonly logLevel: LogLevel;
  /** `pretty`: coloured lines for a terminal (development); `json`: one JSON object a line. */
  readonly logFormat: 'json' | 'pretty';
  /** Where spans go over OTLP (HTTP/protobuf); undefined: no tracing SDK at all. */
  readonly otlpEndpoint: string | undefined;
  readonly serviceName: string;
  /**
   * The values a log line must never show even when an error quotes them: the configured
   * token secret. Kept here so the logger learns them from the same place the app does.
   */
  readonly secrets: readonly string[];
}

/**
 * `terminal`: standard output is a terminal. Someone reading it there (`npm start` on a
 * laptop) gets coloured lines unless NODE_ENV says production; a pipe or a file (a
 * container, a log shipper, the tests) gets JSON.
 */
export function loadTelemetryConfig(
  env: NodeJS.ProcessEnv,
  terminal: boolean = process.stdout.isTTY === true,
): TelemetryConfig {
  const development =
    env['NODE_ENV'] === 'development' || (terminal && env['NODE_ENV'] !== 'production');
  const secret = nonEmpty(env['LEDGER_JWT_SECRET']);
  return {
    logLevel: oneOf('LOG_LEVEL', env['LOG_LEVEL'], LOG_LEVELS, 'info'),
    logFormat: oneOf(
      'LOG_FORMAT',
      env['LOG_FORMAT'],
      ['json', 'pretty'],
      development ? 'pretty' : 'json',
    ),
    otlpEndpoint: nonEmpty(env['OTEL_EXPORTER_OTLP_ENDPOINT']),
    serviceName: nonEmpty(env['OTEL_SERVICE_NAME']) ?? 'ledger',
    secrets: secret === undefined ? [] : [secret],
  };
}
