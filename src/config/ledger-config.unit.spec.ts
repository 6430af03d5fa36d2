import { describe, expect, it } from 'vitest';
import { loadMarketConfig } from '../market/market-env.js';
import { ConfigurationError, validateEnvironment } from './config-problems.js';
import { loadConfig } from './ledger-config.js';

function problemsOf(load: () => unknown): readonly string[] {
  try {
    load();
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigurationError);
    return (error as ConfigurationError).problems;
  }
  throw new Error('the configuration was accepted');
}

describe('the configuration at start', () => {
  it('names every bad variable in one error, not only the first', () => {
    const env = {
      PORT: 'eighty',
      DATABASE_URL: 'mysql://root:hunter2@db/ledger',
      LEDGER_ROLE: 'both',
      LEDGER_SAGAS: 'maybe',
      LEDGER_JWT_SECRET: 'short',
      LEDGER_SHUTDOWN_DELAY_MS: '-5',
      LEDGER_SAGA_CONCURRENCY: '0',
    };
    const problems = problemsOf(() => loadConfig(env));
    expect(problems).toEqual([
      'LEDGER_ROLE must be one of api, worker, all, got "both"',
      'LEDGER_SHUTDOWN_DELAY_MS must be an integer from 0 to 60000, got "-5"',
      'LEDGER_SAGAS must be one of on, off, got "maybe"',
      'LEDGER_SAGA_CONCURRENCY must be an integer from 1 to 256, got "0"',
      'DATABASE_URL must be a postgres:// or postgresql:// URL (value not shown)',
      'PORT must be an integer from 0 to 65535, got "eighty"',
      expect.stringMatching(/^LEDGER_JWT_SECRET must be 32 to 4096 bytes \(it has 5\)/),
    ]);
    // A connection string's password never reaches the message (it ends up in logs).
    expect(problems.join('\n')).not.toContain('hunter2');
  });

  it('reports the app and the market together, as the app validates them at start', () => {
    const env = { LEDGER_PROJECTIONS: 'no', LEDGER_MARKET_FAILURE_RATE: '2', LEDGER_FEE_BPS: 'x' };
    const error = (() => {
      try {
        validateEnvironment(() => [loadConfig(env), loadMarketConfig(env)]);
      } catch (caught) {
        return caught as ConfigurationError;
      }
      throw new Error('the configuration was accepted');
    })();
    expect(error.problems).toEqual([
      'LEDGER_PROJECTIONS must be one of on, off, got "no"',
      'LEDGER_MARKET_FAILURE_RATE must be a number from 0 to 1, such as 0.05, got "2"',
      'LEDGER_FEE_BPS must be an integer from 0 to 10000, got "x"',
    ]);
    expect(error.message).toBe(
      '3 configuration problems:\n' + error.problems.map((problem) => `  - ${problem}`).join('\n'),
    );
  });

  it('keeps a single problem as its own message', () => {
    expect(() => loadConfig({ PORT: '70000' })).toThrow(
      new ConfigurationError(['PORT must be an integer from 0 to 65535, got "70000"']),
    );
  });

  it('counts an error a loader throws as one more problem, after those reported', () => {
    expect(
      problemsOf(() =>
        validateEnvironment(() => {
          loadConfig({ PORT: '-1' });
          throw new Error('LOG_LEVEL must be one of info, debug');
        }),
      ),
    ).toEqual([
      'PORT must be an integer from 0 to 65535, got "-1"',
      'LOG_LEVEL must be one of info, debug',
    ]);
  });

  it.each([
    ['all', true, true],
    ['api', false, false],
    ['worker', true, true],
  ])('LEDGER_ROLE=%s runs projectors: %s, sagas: %s', (role, projections, sagas) => {
    const config = loadConfig({ LEDGER_ROLE: role });
    expect(config.deployment.role).toBe(role);
    expect(config.projectionsEnabled).toBe(projections);
    expect(config.sagas.enabled).toBe(sagas);
  });

  it('keeps LEDGER_PROJECTIONS and LEDGER_SAGAS as finer switches within a role', () => {
    const config = loadConfig({ LEDGER_ROLE: 'worker', LEDGER_SAGAS: 'off' });
    expect(config.projectionsEnabled).toBe(true);
    expect(config.sagas.enabled).toBe(false);
  });

  it('accepts the connection strings of each store, an EventStoreDB cluster included', () => {
    const config = loadConfig({
      DATABASE_URL: 'postgresql://ledger@db:5432/ledger',
      EVENTSTORE_URL: 'esdb://a:2113,b:2113,c:2113?tls=false',
      ELASTICSEARCH_URL: 'https://search:9200',
    });
    expect(config.eventStoreUrl).toBe('esdb://a:2113,b:2113,c:2113?tls=false');
    expect(problemsOf(() => loadConfig({ ELASTICSEARCH_URL: 'search:9200' }))).toEqual([
      'ELASTICSEARCH_URL must be a http:// or https:// URL (value not shown)',
    ]);
  });
});
