import { describe, expect, it } from 'vitest';
import { cellText, formatCount, formatTable } from './table-format.js';

describe('formatTable', () => {
  it('pads columns to their widest cell, right-aligning numbers', () => {
    expect(
      formatTable(
        [{ header: 'name' }, { header: 'lag', align: 'right' }, { header: 'status' }],
        [
          ['accounts', '0', 'running'],
          ['ledger-entries', '1,204', 'stopped'],
        ],
      ),
    ).toBe(
      [
        'name              lag  status',
        '--------------  -----  -------',
        'accounts            0  running',
        'ledger-entries  1,204  stopped',
      ].join('\n'),
    );
  });

  it('keeps rows on one line and cuts long cells', () => {
    const table = formatTable(
      [{ header: 'error', maxWidth: 10 }],
      [['line one\nline two \u001b[31mred']],
    );
    expect(table.split('\n')).toEqual(['error', '----------', 'line one …']);
  });

  it('prints the header alone for no rows', () => {
    expect(formatTable([{ header: 'a' }, { header: 'b' }], [])).toBe('a  b\n-  -');
  });
});

describe('cellText', () => {
  it('turns control characters into spaces', () => {
    expect(cellText('a\tb\r\nc\u0007')).toBe('a b c ');
  });
});

describe('formatCount', () => {
  it.each([
    [0, '0'],
    [999, '999'],
    [1_000, '1,000'],
    [1_234_567, '1,234,567'],
    [-4_200, '-4,200'],
    [12.6, '13'],
  ])('%d → %s', (value, expected) => {
    expect(formatCount(value)).toBe(expected);
  });
});
