import { describe, expect, it } from 'vitest';
import { loadConfig } from './ledger-config.js';

describe('DATABASE_READ_URL', () => {
  it('is unset by default: the views are read on the primary', () => {
    expect(loadConfig({}).readReplica).toEqual({ url: undefined });
    expect(loadConfig({ DATABASE_URL: 'postgres://primary/ledger' }).readReplica.url).toBe(
      undefined,
    );
  });

  it('names the replica the views are read from', () => {
    const config = loadConfig({
      DATABASE_URL: 'postgres://primary/ledger',
      DATABASE_READ_URL: ' postgres://replica/ledger ',
    });
    expect(config.readReplica.url).toBe('postgres://replica/ledger');
  });

  it('is refused without DATABASE_URL: the embedded PostgreSQL has no replica', () => {
    expect(() => loadConfig({ DATABASE_READ_URL: 'postgres://replica/ledger' })).toThrow(
      /DATABASE_READ_URL needs DATABASE_URL/,
    );
  });
});
