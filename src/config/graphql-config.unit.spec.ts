import { describe, expect, it } from 'vitest';
import { loadGraphQLConfig } from './graphql-config.js';

describe('loadGraphQLConfig', () => {
  it('answers introspection in development: NODE_ENV unset or development', () => {
    expect(loadGraphQLConfig({})).toEqual({ introspection: true });
    expect(loadGraphQLConfig({ NODE_ENV: 'development' })).toEqual({ introspection: true });
  });

  it('keeps it off under any other NODE_ENV unless LEDGER_GRAPHQL_INTROSPECTION=on', () => {
    expect(loadGraphQLConfig({ NODE_ENV: 'production' })).toEqual({ introspection: false });
    expect(loadGraphQLConfig({ NODE_ENV: 'staging' })).toEqual({ introspection: false });
    expect(
      loadGraphQLConfig({ NODE_ENV: 'production', LEDGER_GRAPHQL_INTROSPECTION: 'on' }),
    ).toEqual({ introspection: true });
  });

  it('turns it off in development with LEDGER_GRAPHQL_INTROSPECTION=off', () => {
    expect(loadGraphQLConfig({ LEDGER_GRAPHQL_INTROSPECTION: 'off' })).toEqual({
      introspection: false,
    });
  });

  it('refuses any other value, naming the variable', () => {
    expect(() => loadGraphQLConfig({ LEDGER_GRAPHQL_INTROSPECTION: 'yes' })).toThrow(
      'LEDGER_GRAPHQL_INTROSPECTION must be one of on, off, default, got "yes"',
    );
  });
});
