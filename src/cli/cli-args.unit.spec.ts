import { describe, expect, it } from 'vitest';
import { parseArgs } from './cli-args.js';

describe('parseArgs', () => {
  it('reads each projections command', () => {
    expect(parseArgs(['projections', 'status'])).toEqual({
      kind: 'command',
      command: { name: 'status' },
    });
    expect(parseArgs(['projections', 'parked'])).toEqual({
      kind: 'command',
      command: { name: 'parked', projection: undefined },
    });
    expect(parseArgs(['projections', 'parked', 'orders'])).toEqual({
      kind: 'command',
      command: { name: 'parked', projection: 'orders' },
    });
    for (const name of ['replay-parked', 'restart', 'rebuild'] as const) {
      expect(parseArgs(['projections', name, 'accounts'])).toEqual({
        kind: 'command',
        command: { name, projection: 'accounts' },
      });
    }
  });

  it('answers help for no arguments or a call for it', () => {
    expect(parseArgs([])).toEqual({ kind: 'help' });
    expect(parseArgs(['projections', '--help'])).toEqual({ kind: 'help' });
    expect(parseArgs(['-h'])).toEqual({ kind: 'help' });
  });

  it.each([
    [['accounts'], 'unknown command "accounts"'],
    [['projections'], 'a subcommand is needed'],
    [['projections', 'drop', 'accounts'], 'unknown command "projections drop"'],
    [['projections', 'rebuild'], 'a projection name is needed'],
    [['projections', 'rebuild', ' '], 'a projection name is needed'],
    [['projections', 'rebuild', 'accounts', 'orders'], 'too many arguments'],
    [['projections', 'status', 'accounts'], 'too many arguments'],
    [['projections', 'x'.repeat(300)], 'longer than 256 characters'],
  ])('refuses %j', (argv, message) => {
    const parsed = parseArgs(argv);
    expect(parsed.kind).toBe('usage-error');
    expect(parsed.kind === 'usage-error' && parsed.message).toContain(message);
  });
});
