import { type ExecFileException, execFile } from 'node:child_process';
import { mkdtemp, readdir, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { decodeJwt } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/ledger-config.js';
import { nowSeconds } from '../../test-kit/token.fixtures.js';
import { createTokenVerifier } from '../../src/api/auth/token-verifier.js';

interface CliRun {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

const CLI_TIMEOUT_MS = 60_000;

const execute = promisify(execFile);

/** `npx tsx src/cli/ledger.cli.ts ...args`, as `npm run ledger -- ...args` runs it. */
async function ledger(args: readonly string[], env: Record<string, string>): Promise<CliRun> {
  // The developer's own database and secrets must not leak into the run.
  const inherited = Object.entries(process.env).filter(
    ([name]) => !name.startsWith('LEDGER_') && !['DATABASE_URL', 'EVENTSTORE_URL'].includes(name),
  );
  const command = ['--no-install', 'tsx', 'src/cli/ledger.cli.ts', ...args];
  const options = { env: { ...Object.fromEntries(inherited), ...env }, timeout: CLI_TIMEOUT_MS };
  try {
    return { code: 0, ...(await execute('npx', command, options)) };
  } catch (error) {
    // A non-zero exit rejects, with the output on the error.
    const failed = error as ExecFileException & { stdout: string; stderr: string };
    const code = typeof failed.code === 'number' ? failed.code : null;
    return { code, stdout: failed.stdout, stderr: failed.stderr };
  }
}

let root: string;

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'ledger-token-cli-'));
});

afterAll(() => rm(root, { recursive: true, force: true }));

describe('npm run ledger -- token', () => {
  it('prints a token the verifier accepts, signed with a secret generated into the data directory', async () => {
    const dataDir = join(root, 'generated');
    // An unreachable DATABASE_URL: the command must not need (or start) any database.
    const env = { LEDGER_DATA_DIR: dataDir, DATABASE_URL: 'postgres://127.0.0.1:1/none' };
    const first = await ledger(
      ['token', '--sub', 'c-1', '--role', 'customer', '--ttl', '10m'],
      env,
    );
    expect(first.stderr).toContain(`generated a new JWT secret in ${join(dataDir, 'jwt-secret')}`);
    expect(first.code).toBe(0);
    const token = first.stdout.trim();
    expect(first.stdout).toBe(`${token}\n`);
    const verifier = await createTokenVerifier(loadConfig(env));
    expect(await verifier.verify(`Bearer ${token}`)).toEqual({ sub: 'c-1', roles: ['customer'] });
    expect(decodeJwt(token).exp).toBeGreaterThanOrEqual(nowSeconds() + 590);
    expect(decodeJwt(token).exp).toBeLessThanOrEqual(nowSeconds() + 600);
    expect((await stat(join(dataDir, 'jwt-secret'))).mode & 0o777).toBe(0o600);
    expect(await readdir(dataDir)).toEqual(['jwt-secret']);

    const second = await ledger(
      ['token', '--sub', 'ops', '--role', 'admin', '--role', 'customer'],
      env,
    );
    expect(second.code).toBe(0);
    expect(second.stderr).not.toContain('generated a new JWT secret');
    expect(await verifier.verify(`Bearer ${second.stdout.trim()}`)).toEqual({
      sub: 'ops',
      roles: ['customer', 'admin'],
    });
  });

  it('signs with LEDGER_JWT_SECRET when set, and writes no file', async () => {
    const dataDir = join(root, 'from-env');
    const env = {
      LEDGER_DATA_DIR: dataDir,
      LEDGER_JWT_SECRET: 'a shared secret of more than 32 bytes',
    };
    const run = await ledger(['token', '--sub', 'c-2', '--role', 'customer'], env);
    expect(run.code).toBe(0);
    expect(run.stderr).toContain('signed with LEDGER_JWT_SECRET');
    const verifier = await createTokenVerifier(loadConfig(env));
    expect(await verifier.verify(`Bearer ${run.stdout.trim()}`)).toMatchObject({ sub: 'c-2' });
    await expect(stat(dataDir)).rejects.toThrow();
  });

  it('refuses a short LEDGER_JWT_SECRET without printing it, and a bad command line', async () => {
    const env = { LEDGER_DATA_DIR: join(root, 'refused'), LEDGER_JWT_SECRET: 'hunter2-hunter2' };
    const short = await ledger(['token', '--sub', 'c-1', '--role', 'customer'], env);
    expect(short.code).toBe(1);
    expect(short.stdout).toBe('');
    expect(short.stderr).toContain('LEDGER_JWT_SECRET must be 32 to 4096 bytes (it has 15)');
    expect(short.stderr).not.toContain('hunter2');
    const usage = await ledger(['token', '--sub', 'c-1', '--role', 'owner'], env);
    expect(usage.code).toBe(1);
    expect(usage.stderr).toContain('unknown role "owner"');
  });
});
