import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { readEnvFile } from './env-file.js';

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'ledger-env-file-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('the environment file', () => {
  it('reads .env from the working directory, under the real environment', async () => {
    await writeFile(join(dir, '.env'), '# a comment\nPORT=4000\nHOST=0.0.0.0\nLEDGER_ROLE="api"\n');
    const env: NodeJS.ProcessEnv = { PORT: '5000', HOST: '' };
    const report = readEnvFile(env, dir);
    expect(report).toEqual({ path: join(dir, '.env'), applied: ['LEDGER_ROLE'] });
    // Set in the environment, even to nothing, wins over the file.
    expect(env).toEqual({ PORT: '5000', HOST: '', LEDGER_ROLE: 'api' });
  });

  it('goes without .env when there is none', () => {
    const env: NodeJS.ProcessEnv = {};
    expect(readEnvFile(env, dir)).toEqual({ path: undefined, applied: [] });
    expect(env).toEqual({});
  });

  it('reads the file LEDGER_ENV_FILE names, and refuses one that is missing', async () => {
    await writeFile(join(dir, 'staging.env'), 'LEDGER_SAGAS=off\n');
    const env: NodeJS.ProcessEnv = { LEDGER_ENV_FILE: 'staging.env' };
    expect(readEnvFile(env, dir).applied).toEqual(['LEDGER_SAGAS']);
    expect(env['LEDGER_SAGAS']).toBe('off');
    expect(() => readEnvFile({ LEDGER_ENV_FILE: 'missing.env' }, dir)).toThrow(
      `LEDGER_ENV_FILE: cannot read ${join(dir, 'missing.env')} (ENOENT)`,
    );
  });
});
