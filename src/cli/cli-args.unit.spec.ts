import { describe, expect, it } from 'vitest';
import { parseArgs, parseSeedArgs } from './cli-args.js';

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

describe('parseArgs: token', () => {
  it('reads the subject, the roles and the lifetime', () => {
    expect(parseArgs(['token', '--sub', 'c-1', '--role', 'customer'])).toEqual({
      kind: 'token',
      request: { sub: 'c-1', roles: ['customer'], ttlSeconds: 3_600 },
    });
    expect(
      parseArgs([
        'token',
        '--role=admin',
        '--sub=ops@example',
        '--role',
        'customer',
        '--ttl',
        '15m',
      ]),
    ).toEqual({
      kind: 'token',
      request: { sub: 'ops@example', roles: ['customer', 'admin'], ttlSeconds: 900 },
    });
    expect(
      parseArgs(['token', '--sub', 'c-1', '--role', 'admin', '--role', 'admin', '--ttl=30d']),
    ).toEqual({
      kind: 'token',
      request: { sub: 'c-1', roles: ['admin'], ttlSeconds: 2_592_000 },
    });
  });

  it('takes option values literally, even ones that read like help', () => {
    expect(parseArgs(['token', '--sub', 'help', '--role', 'customer'])).toMatchObject({
      kind: 'token',
      request: { sub: 'help' },
    });
    expect(parseArgs(['token', '--help'])).toEqual({ kind: 'help' });
    expect(parseArgs(['token', '--sub', 'c-1', '-h'])).toEqual({ kind: 'help' });
  });

  it.each([
    [['token'], '--sub <customer id> is needed'],
    [['token', '--role', 'customer'], '--sub <customer id> is needed'],
    [['token', '--sub', 'c-1'], '--role customer|admin is needed'],
    [['token', '--sub'], '--sub needs a value'],
    [
      ['token', '--sub', 'c-1', '--sub', 'c-2', '--role', 'customer'],
      '--sub is given more than once',
    ],
    [
      ['token', '--sub', ' c-1', '--role', 'customer'],
      '--sub must be 1 to 256 printable characters',
    ],
    [['token', '--sub', 'c\u0000', '--role', 'customer'], '--sub must be'],
    [['token', '--sub', 'c-1', '--role', 'root'], 'unknown role "root" (known: customer, admin)'],
    [
      ['token', '--sub', 'c-1', '--role', 'customer', '--ttl', '31d'],
      '--ttl must be a whole number',
    ],
    [['token', '--sub', 'c-1', '--role', 'customer', '--ttl', '1w'], 'got "1w"'],
    [
      ['token', '--sub', 'c-1', '--role', 'customer', '--ttl', '1h', '--ttl', '2h'],
      '--ttl is given more than once',
    ],
    [
      ['token', '--sub', 'c-1', '--role', 'customer', '--expires', '1h'],
      'unknown option "--expires"',
    ],
    [['token', 'c-1'], 'unknown option "c-1"'],
    [['token', '--sub', 'x'.repeat(300), '--role', 'customer'], 'longer than 256 characters'],
  ])('refuses %j', (argv, message) => {
    const parsed = parseArgs(argv);
    expect(parsed.kind).toBe('usage-error');
    expect(parsed.kind === 'usage-error' && parsed.message).toContain(message);
  });
});

describe('parseArgs: seed', () => {
  it('seeds the app on PORT (3000 unset) with 12 customers and seed 1 by default', () => {
    expect(parseSeedArgs([], {})).toEqual({
      kind: 'seed',
      options: { url: 'http://127.0.0.1:3000', customers: 12, seed: 1 },
    });
    expect(parseSeedArgs([], { PORT: '4100' })).toMatchObject({
      options: { url: 'http://127.0.0.1:4100' },
    });
  });

  it('takes --url, --customers and --seed, either spelling', () => {
    expect(
      parseSeedArgs(['--url=http://localhost:9000/', '--customers', '3', '--seed=7'], {}),
    ).toEqual({ kind: 'seed', options: { url: 'http://localhost:9000', customers: 3, seed: 7 } });
  });

  it.each([
    [['--customers', '0'], '--customers must be 1 to 200'],
    [['--customers', '201'], '--customers must be 1 to 200'],
    [['--seed', '-1'], '--seed must be'],
    [['--url', 'ftp://x'], '--url must be an http(s) URL'],
    [['--url'], '--url needs a value'],
    [['--fast'], 'unknown option "--fast"'],
  ])('refuses %j', (argv, message) => {
    const parsed = parseArgs(['seed', ...argv]);
    expect(parsed.kind).toBe('usage-error');
    expect(parsed.kind === 'usage-error' && parsed.message).toContain(message);
  });
});
