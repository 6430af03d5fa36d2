import { spawn } from 'node:child_process';
import { join } from 'node:path';
import pg from 'pg';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { DataDirInUseError } from '../../src/infrastructure/database/data-dir-lock.js';
import { EmbeddedPostgresServer } from '../../src/infrastructure/database/embedded-postgres.server.js';
import { temporaryDataDir } from '../support/test-app.js';

async function query<T extends pg.QueryResultRow>(url: string, sql: string): Promise<T[]> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return (await client.query<T>(sql)).rows;
  } finally {
    await client.end();
  }
}

describe('embedded PostgreSQL', () => {
  let dataDir: Awaited<ReturnType<typeof temporaryDataDir>>;
  beforeEach(async () => {
    dataDir = await temporaryDataDir();
  });
  afterEach(async () => {
    await dataDir.remove();
  });

  it('keeps data across a restart, on a port other than 5432', async () => {
    const first = await EmbeddedPostgresServer.start(dataDir.dir);
    expect(new URL(first.connectionString).port).not.toBe('5432');
    await query(
      first.connectionString,
      "CREATE TABLE kept (v text); INSERT INTO kept VALUES ('still here')",
    );
    await first.stop();

    const second = await EmbeddedPostgresServer.start(dataDir.dir);
    try {
      expect(await query(second.connectionString, 'SELECT v FROM kept')).toEqual([
        { v: 'still here' },
      ]);
    } finally {
      await second.stop();
    }
  });

  it('refuses a second instance on the same data directory with a clear message', async () => {
    const first = await EmbeddedPostgresServer.start(dataDir.dir);
    try {
      const error = await EmbeddedPostgresServer.start(dataDir.dir).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(DataDirInUseError);
      expect((error as Error).message).toMatch(/in use by another running instance \(pid \d+\)/);
      // The first instance is untouched.
      expect(await query(first.connectionString, 'SELECT 1 AS ok')).toEqual([{ ok: 1 }]);
    } finally {
      await first.stop();
    }
  });

  it('recovers after the owning process was killed, stopping the PostgreSQL it left behind', async () => {
    // A child process starts the server and is then SIGKILLed: its lock file and its
    // postmaster stay behind.
    const script = `
      const { EmbeddedPostgresServer } = await import(${JSON.stringify(
        join(process.cwd(), 'src/infrastructure/database/embedded-postgres.server.ts'),
      )});
      const server = await EmbeddedPostgresServer.start(process.argv[1]);
      console.log('READY ' + server.connectionString);
    `;
    const child = spawn(
      process.execPath,
      ['--import', 'tsx', '--input-type=module', '-e', script, dataDir.dir],
      { stdio: ['ignore', 'pipe', 'inherit'] },
    );
    const url = await new Promise<string>((resolve, reject) => {
      child.stdout.on('data', (chunk: Buffer) => {
        const match = /READY (\S+)/.exec(chunk.toString());
        if (match) resolve(match[1]!);
      });
      child.on('exit', (code) => reject(new Error(`child exited with ${code}`)));
    });
    await query(url, 'CREATE TABLE survived (v int); INSERT INTO survived VALUES (1)');
    child.kill('SIGKILL');
    await new Promise((resolve) => child.on('exit', resolve));

    const restarted = await EmbeddedPostgresServer.start(dataDir.dir);
    try {
      expect(await query(restarted.connectionString, 'SELECT v FROM survived')).toEqual([{ v: 1 }]);
    } finally {
      await restarted.stop();
    }
  });
});
