import { describe, expect, it } from 'vitest';
import { formatParked, formatRebuildReport, formatStatus } from './ledger-output.js';

describe('formatStatus', () => {
  it('prints a row per projector and the last errors under the table', () => {
    const text = formatStatus([
      {
        name: 'accounts',
        position: { commit: 1204n, prepare: 3n },
        status: 'running',
        lastError: null,
        eventsApplied: 12n,
        updatedAt: null,
        parked: 0,
        lagEvents: 0,
        lagMs: 0,
      },
      {
        name: 'orders',
        position: { commit: 0n, prepare: 0n },
        status: 'stopped',
        lastError: 'event e-1 at 9.1: boom\nstack',
        eventsApplied: 0n,
        updatedAt: null,
        parked: 1,
        lagEvents: 1_000_000,
        lagMs: 65_432.4,
      },
      {
        name: 'holdings',
        position: { commit: 0n, prepare: 0n },
        status: undefined,
        lastError: null,
        eventsApplied: 0n,
        updatedAt: null,
        parked: 0,
        lagEvents: null,
        lagMs: null,
      },
    ]);
    expect(text).toBe(
      [
        'name      position   lag events  lag ms  status       parked',
        '--------  --------  -----------  ------  -----------  ------',
        'accounts  1204.3              0       0  running           0',
        'orders    0.0       >=1,000,000  65,432  stopped           1',
        'holdings  0.0                 -       -  not-started       0',
        '',
        'Last errors:',
        'orders: event e-1 at 9.1: boom stack',
      ].join('\n'),
    );
  });
});

describe('formatParked', () => {
  it('says so when there are none', () => {
    expect(formatParked([])).toBe('No parked events.');
    expect(formatParked([], 'orders')).toBe('No parked events of orders.');
  });

  it('lists each with its error on one line', () => {
    const text = formatParked(
      [
        {
          id: '7',
          projection: 'orders',
          position: { commit: 42n, prepare: 7n },
          eventId: 'e-1',
          eventType: 'OrderPlaced.v1',
          streamId: 'order-1',
          error: 'TypeError: boom\n    at apply',
          attempts: 5,
          parkedAt: new Date('2026-01-02T03:04:05.000Z'),
        },
      ],
      'orders',
    );
    expect(text.split('\n')).toEqual([
      'id  projection  position  event type      stream   attempts  parked at                 error',
      '--  ----------  --------  --------------  -------  --------  ------------------------  ------------------------',
      ' 7  orders      42.7      OrderPlaced.v1  order-1         5  2026-01-02T03:04:05.000Z  TypeError: boom at apply',
      '1 parked event(s) of orders',
    ]);
  });
});

describe('formatRebuildReport', () => {
  const parity = [
    {
      table: 'view_accounts',
      live: { rows: 1_200, checksum: 'a'.repeat(32) },
      shadow: { rows: 1_200, checksum: 'a'.repeat(32) },
      equal: true,
    },
    {
      table: 'view_account_statements',
      live: { rows: 5, checksum: 'b'.repeat(32) },
      shadow: { rows: 4, checksum: 'c'.repeat(32) },
      equal: false,
    },
  ];

  it('says whether the copies were swapped and shows the parity table by table', () => {
    const swapped = formatRebuildReport({
      projection: 'accounts',
      swapped: true,
      position: '99.1',
      eventsApplied: 12_345,
      seconds: 3.21,
      parity: parity.slice(0, 1),
    });
    expect(swapped.split('\n').slice(0, 2)).toEqual([
      'Rebuilt accounts: swapped in at position 99.1',
      '12,345 events applied in 3.2 s',
    ]);
    expect(swapped).toMatch(/^view_accounts\s+yes\s+1,200\s+1,200\s+a{32}\s+a{32}$/m);

    const refused = formatRebuildReport({
      projection: 'accounts',
      swapped: false,
      position: '99.1',
      eventsApplied: 12_345,
      seconds: 125,
      parity,
    });
    expect(refused).toContain(
      'Rebuild of accounts REFUSED: the parity check failed at position 99.1',
    );
    expect(refused).toContain('12,345 events applied in 2m05s');
    expect(refused).toMatch(/^view_account_statements\s+NO\s+5\s+4\s+b{32}\s+c{32}$/m);
  });
});
