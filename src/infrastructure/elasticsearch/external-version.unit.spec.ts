import { describe, expect, it } from 'vitest';
import { actionLine } from './bulk-writer.js';
import { MAX_EXTERNAL_VERSION, externalVersion } from './external-version.js';

describe('external versions', () => {
  it('are the commit part, never decreasing along the log, within 63 bits', () => {
    expect(externalVersion({ commit: 742n, prepare: 9_001n })).toBe(742n);
    expect(externalVersion({ commit: MAX_EXTERNAL_VERSION, prepare: 0n })).toBe(
      MAX_EXTERNAL_VERSION,
    );
    expect(() => externalVersion({ commit: 2n ** 63n, prepare: 0n })).toThrow(RangeError);
    expect(() => externalVersion({ commit: 0n, prepare: 0n })).toThrow(RangeError);
  });

  it('go into the bulk action line exactly (no rounding through a double)', () => {
    const line = actionLine({
      index: 'ledger-orders',
      id: 'o-"1"',
      version: MAX_EXTERNAL_VERSION,
      versionType: 'external_gte',
      document: {},
    });
    expect(line).toBe(
      '{"index":{"_index":"ledger-orders","_id":"o-\\"1\\"","version":9223372036854775807,"version_type":"external_gte"}}',
    );
  });
});
