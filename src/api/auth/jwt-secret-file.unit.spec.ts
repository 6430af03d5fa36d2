import { chmod, mkdir, mkdtemp, readFile, readdir, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { loadConfig } from '../../config/ledger-config.js';
import { resolveHs256Secret } from './hs256-secret.js';
import { JWT_SECRET_FILE, JwtSecretFileError, loadOrCreateJwtSecret } from './jwt-secret-file.js';

let root: string;
let dataDir: string;
let secretPath: string;

beforeEach(async () => {
  root = await mkdtemp(join(tmpdir(), 'ledger-jwt-secret-'));
  dataDir = join(root, 'data', '.ledger');
  secretPath = join(dataDir, JWT_SECRET_FILE);
});

afterEach(() => rm(root, { recursive: true, force: true }));

async function refusal(): Promise<JwtSecretFileError> {
  const error = await loadOrCreateJwtSecret(dataDir).then(
    () => undefined,
    (thrown: unknown) => thrown,
  );
  expect(error).toBeInstanceOf(JwtSecretFileError);
  return error as JwtSecretFileError;
}

describe('the data directory JWT secret', () => {
  it('is generated once, owner-only, and read back after', async () => {
    const first = await loadOrCreateJwtSecret(dataDir);
    expect(first).toMatchObject({ path: secretPath, created: true });
    expect(first.secret.length).toBeGreaterThanOrEqual(32);
    expect((await stat(secretPath)).mode & 0o777).toBe(0o600);
    expect((await readFile(secretPath, 'utf8')).trim()).toBe(
      new TextDecoder().decode(first.secret),
    );
    const again = await loadOrCreateJwtSecret(dataDir);
    expect(again).toMatchObject({ created: false });
    expect(again.secret).toEqual(first.secret);
  });

  it('is one secret for processes that start at once, with no file left over', async () => {
    const results = await Promise.all(
      Array.from({ length: 8 }, () => loadOrCreateJwtSecret(dataDir)),
    );
    expect(results.filter((result) => result.created)).toHaveLength(1);
    for (const result of results) expect(result.secret).toEqual(results[0]!.secret);
    expect(await readdir(dataDir)).toEqual([JWT_SECRET_FILE]);
  });

  it.each([0o644, 0o640, 0o604, 0o660])('is refused when its mode is %o', async (mode) => {
    await loadOrCreateJwtSecret(dataDir);
    const secret = (await readFile(secretPath, 'utf8')).trim();
    await chmod(secretPath, mode);
    const error = await refusal();
    expect(error.message).toContain(`chmod 600 ${secretPath}`);
    expect(error.message).toContain(`mode 0${mode.toString(8)}`);
    expect(error.message).not.toContain(secret);
  });

  it('is refused when it holds fewer than 32 bytes', async () => {
    await mkdir(dataDir, { recursive: true });
    await writeFile(secretPath, 'too-short-a-secret\n', { mode: 0o600 });
    const error = await refusal();
    expect(error.message).toMatch(/holds 18 bytes, fewer than 32/);
    expect(error.message).not.toContain('too-short-a-secret');
    // An empty file is not taken for a missing one (that would replace someone's secret).
    await writeFile(secretPath, '');
    expect((await refusal()).message).toMatch(/holds 0 bytes/);
  });

  it('is refused when it is not a regular file, or too large to be a secret', async () => {
    await mkdir(secretPath, { recursive: true });
    expect((await refusal()).message).toMatch(/is not a regular file/);
    await rm(secretPath, { recursive: true });
    await writeFile(secretPath, 'x'.repeat(10_000), { mode: 0o600 });
    expect((await refusal()).message).toMatch(/larger than \d+ bytes/);
  });
});

describe('resolveHs256Secret', () => {
  it('takes LEDGER_JWT_SECRET and writes no file', async () => {
    const secret = 'an environment secret longer than 32 bytes';
    const config = loadConfig({ LEDGER_JWT_SECRET: secret, LEDGER_DATA_DIR: dataDir });
    expect(await resolveHs256Secret(config)).toEqual({
      secret: new TextEncoder().encode(secret),
      source: 'LEDGER_JWT_SECRET',
      created: false,
    });
    await expect(stat(dataDir)).rejects.toThrow();
  });

  it('uses the data directory file without a secret, also with DATABASE_URL', async () => {
    const config = loadConfig({
      DATABASE_URL: 'postgres://db.example/ledger',
      LEDGER_DATA_DIR: dataDir,
    });
    expect(await resolveHs256Secret(config)).toMatchObject({ source: secretPath, created: true });
  });

  it('has none with only a JWKS URL: tokens come from the identity provider alone', async () => {
    const config = loadConfig({
      LEDGER_JWKS_URL: 'https://id.example/jwks.json',
      LEDGER_DATA_DIR: dataDir,
    });
    expect(await resolveHs256Secret(config)).toBeUndefined();
    await expect(stat(dataDir)).rejects.toThrow();
  });
});
