import { describe, expect, it } from 'vitest';
import { loadTelemetryConfig } from './telemetry-config.js';

describe('loadTelemetryConfig', () => {
  it('defaults to JSON at info, no tracing, service "ledger"', () => {
    expect(loadTelemetryConfig({}, false)).toEqual({
      logLevel: 'info',
      logFormat: 'json',
      otlpEndpoint: undefined,
      serviceName: 'ledger',
      secrets: [],
    });
  });

  it('logs pretty in development unless told otherwise', () => {
    expect(loadTelemetryConfig({ NODE_ENV: 'development' }).logFormat).toBe('pretty');
    expect(loadTelemetryConfig({ NODE_ENV: 'development', LOG_FORMAT: 'json' }).logFormat).toBe(
      'json',
    );
    expect(loadTelemetryConfig({ LOG_FORMAT: 'pretty' }).logFormat).toBe('pretty');
  });

  it('logs pretty to a terminal, unless in production, and JSON to a pipe', () => {
    expect(loadTelemetryConfig({}, true).logFormat).toBe('pretty');
    expect(loadTelemetryConfig({ NODE_ENV: 'production' }, true).logFormat).toBe('json');
    expect(loadTelemetryConfig({ LOG_FORMAT: 'json' }, true).logFormat).toBe('json');
    expect(loadTelemetryConfig({}, false).logFormat).toBe('json');
  });

  it('reads the level, the endpoint, the service name and the secret to keep out of logs', () => {
    const config = loadTelemetryConfig({
      LOG_LEVEL: 'silent',
      OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector:4318',
      OTEL_SERVICE_NAME: 'ledger-eu',
      LEDGER_JWT_SECRET: '  s3cret  ',
    });
    expect(config).toMatchObject({
      logLevel: 'silent',
      otlpEndpoint: 'http://collector:4318',
      serviceName: 'ledger-eu',
      secrets: ['s3cret'],
    });
  });

  it('refuses a level or format it does not know, naming the variable', () => {
    expect(() => loadTelemetryConfig({ LOG_LEVEL: 'loud' })).toThrow(/LOG_LEVEL must be one of/);
    expect(() => loadTelemetryConfig({ LOG_FORMAT: 'xml' })).toThrow(/LOG_FORMAT must be one of/);
  });
});
