import { chmod, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir, userInfo } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { EmbeddedPostgresServer } from '../../src/infrastructure/database/embedded-postgres.server.js';
import {
  grantServerAccess,
  ServerAccessError,
  serverUser,
} from '../../src/infrastructure/database/embedded/server-user.js';

const isRoot = process.getuid?.() === 0;

describe('the embedded PostgreSQL in folders of mode 0700', () => {
  let privateDir: string;
  beforeEach(async () => {
    // As `mktemp -d` or a root user's home: nobody but the owner may enter.
    privateDir = await mkdtemp(join(tmpdir(), 'ledger-private-'));
    await chmod(privateDir, 0o700);
  });
  afterEach(async () => {
    await rm(privateDir, { recursive: true, force: true });
  });

  // Regression: as root the server runs as another user, and initdb failed with a raw
  // EACCES when the data directory sat below a folder that user could not enter.
  it('starts, runs and stops with its data two private folders down', async () => {
    const nested = join(privateDir, 'home');
    await mkdir(nested, { mode: 0o700 });
    const server = await EmbeddedPostgresServer.start(join(nested, 'data'));
    try {
      const client = new pg.Client({ connectionString: server.connectionString });
      await client.connect();
      const { rows } = await client.query<{ user: string }>('SELECT current_user AS user');
      await client.end();
      expect(rows).toEqual([{ user: 'ledger' }]);
    } finally {
      await server.stop();
    }
  });

  it('runs the server as the postgres user when root, else as this user', async () => {
    const user = await serverUser();
    if (isRoot) expect(user?.name).toBe('postgres');
    else expect(user).toBeUndefined();
  });

  it('names the path, the user and the fix in one line when the server cannot run a file', async () => {
    // Not root: the server runs as this user, which may be probed as itself.
    const user = (await serverUser()) ?? {
      name: userInfo().username,
      uid: process.getuid!(),
      gid: process.getgid!(),
    };
    const secret = join(privateDir, 'postgres');
    await writeFile(secret, '', { mode: 0o600 });
    const error = await grantServerAccess(user, {
      folders: [privateDir],
      files: [`x:${secret}`],
    }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ServerAccessError);
    const message = (error as Error).message;
    expect(message).not.toContain('\n');
    expect(message).toContain(`'${user.name}'`);
    expect(message).toContain(secret);
    expect(message).toMatch(/Fix: /);
  });
});
