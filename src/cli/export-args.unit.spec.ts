import { describe, expect, it } from 'vitest';
import { parseExportArgs } from './export-args.js';

describe('ledger export arguments', () => {
  it('reads a range with positions and a format', () => {
    expect(
      parseExportArgs([
        'range',
        '--dir',
        '/tmp/x',
        '--from=12.3',
        '--to',
        '40.1',
        '--format',
        'csv',
      ]),
    ).toEqual({
      ok: true,
      action: {
        kind: 'range',
        directory: '/tmp/x',
        format: 'csv',
        from: { commit: 12n, prepare: 3n },
        to: { commit: 40n, prepare: 1n },
        request: 'export range --dir /tmp/x --from=12.3 --to 40.1 --format csv',
      },
    });
  });

  it('defaults to Parquet', () => {
    expect(parseExportArgs(['create', 'wh', '--dir', 'out'])).toEqual({
      ok: true,
      action: { kind: 'create', exportName: 'wh', directory: 'out', format: 'parquet' },
    });
  });

  it.each([
    [['run'], 'export: run needs an export name'],
    [['run', 'wh', '--dir', 'x'], 'export: run takes no --dir'],
    [['create', 'wh'], 'export: --dir <directory> is needed'],
    [
      ['views', '--dir', 'x', '--format', 'xlsx'],
      'export: --format must be one of parquet, ndjson, csv',
    ],
    [['range', '--dir', 'x', '--to', 'head'], 'export: --to must be a position such as 1234.5'],
    [['range', '--dir', 'x', '--dir', 'y'], 'export: --dir is given more than once'],
    [['drop', 'wh'], 'export: unknown command "drop"'],
    [['list', 'extra'], 'export: too many arguments'],
  ])('refuses %j', (args, message) => {
    const parsed = parseExportArgs(args);
    expect(parsed.ok).toBe(false);
    expect(parsed.ok ? '' : parsed.message).toContain(message);
  });
});
