import { spawn } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { access, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import type pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createPool } from '../../src/infrastructure/database/create-pool.js';
import { migrate } from '../../src/infrastructure/database/migrator.js';
import { MIGRATIONS } from '../../src/infrastructure/database/migrations/index.js';
import { type CommandResultData, DEPOSIT, OPEN_ACCOUNT } from '../e2e/graphql-operations.js';
import {
  type GraphQLResponse,
  type TestApp,
  startTestApp,
  temporaryDataDir,
} from '../support/test-app.js';
import { type TestDatabase, createTestDatabase } from '../support/test-database.js';
import { PROJECTION_NAMES } from '../../src/shared/view-tables.js';

interface CliRun {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

const CLI_TIMEOUT_MS = 90_000;
const CATCH_UP_TIMEOUT_MS = 30_000;
/** Variables of the developer's shell that would point the CLI elsewhere. */
const LEDGER_ENV = ['DATABASE_URL', 'EVENTSTORE_URL', 'LEDGER_DATA_DIR', 'LEDGER_PROJECTIONS'];

/**
 * The CLI's data directory when a test names none: the app's secret file lands there, not
 * in the checkout's own ./.ledger.
 */
const DEFAULT_DATA_DIR = mkdtempSync(join(tmpdir(), 'ledger-cli-test-'));
afterAll(() => rm(DEFAULT_DATA_DIR, { recursive: true, force: true }));

/** `node --import tsx src/cli/ledger.cli.ts ...args`, as `npm run ledger -- ...args` runs it. */
function runCli(args: readonly string[], env: Record<string, string>): Promise<CliRun> {
  const base = Object.fromEntries(
    Object.entries(process.env).filter(([name]) => !LEDGER_ENV.includes(name)),
  );
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/cli/ledger.cli.ts', ...args], {
    cwd: process.cwd(),
    env: { ...base, LEDGER_DATA_DIR: DEFAULT_DATA_DIR, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const timer = setTimeout(() => child.kill('SIGKILL'), CLI_TIMEOUT_MS);
  return new Promise((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

async function exists(path: string): Promise<boolean> {
  return access(path).then(
    () => true,
    () => false,
  );
}

function data<T>(response: GraphQLResponse, name: string): T {
  expect(response.errors).toBeUndefined();
  return (response.data as Record<string, T>)[name]!;
}

async function waitUntilCaughtUp(ledger: TestApp): Promise<void> {
  const deadline = Date.now() + CATCH_UP_TIMEOUT_MS;
  for (;;) {
    const rows = data<{ lagEvents: number | null }[]>(
      await ledger.gql('query { projections { name lagEvents } }'),
      'projections',
    );
    if (rows.length > 0 && rows.every((row) => row.lagEvents === 0)) return;
    if (Date.now() > deadline) throw new Error(`projectors not caught up: ${JSON.stringify(rows)}`);
    await sleep(50);
  }
}

async function seed(ledger: TestApp): Promise<string> {
  const opened = data<CommandResultData>(
    await ledger.gql(OPEN_ACCOUNT, {
      input: { customerId: 'cli', name: 'cli account', currency: 'EUR' },
    }),
    'openAccount',
  );
  for (const amount of ['10.00', '2.50', '0.25']) {
    data(
      await ledger.gql(DEPOSIT, { input: { accountId: opened.id, amount, reference: 'cli' } }),
      'depositFunds',
    );
  }
  return opened.id;
}

const BALANCE = `query ($id: ID!, $consistency: ConsistencyInput) {
  account(id: $id, consistency: $consistency) { balance }
}`;

describe('the ledger CLI on DATABASE_URL', () => {
  let database: TestDatabase;
  let pool: pg.Pool;
  let env: Record<string, string>;

  beforeAll(async () => {
    database = await createTestDatabase();
    pool = createPool({ connectionString: database.url, max: 2 });
    await migrate(pool, MIGRATIONS);
    env = { DATABASE_URL: database.url };
  });
  afterAll(async () => {
    await pool?.end();
    await database?.drop();
  });

  it('prints the status table of every projector (exit 0)', async () => {
    const run = await runCli(['projections', 'status'], env);
    expect(run.code, run.stderr).toBe(0);
    const lines = run.stdout.trimEnd().split('\n');
    expect(lines[0]).toMatch(/^name\s+position\s+lag events\s+lag ms\s+status\s+parked$/);
    expect(lines[1]).toMatch(/^[- ]+$/);
    const rows = lines.slice(2).map((line) => line.split(/\s+/));
    expect(rows.map((row) => row[0])).toEqual([...PROJECTION_NAMES].sort());
    for (const row of rows) expect(row.slice(1)).toEqual(['0.0', '0', '0', 'not-started', '0']);
    // Which server, on stderr, with no password.
    expect(run.stderr).toContain(`ledger: using DATABASE_URL`);
    expect(run.stderr).toContain(new URL(database.url).pathname);
  });

  it('says clearly that a projection does not exist (exit 1)', async () => {
    const run = await runCli(['projections', 'rebuild', 'acounts'], env);
    expect(run.code).toBe(1);
    expect(run.stdout).toBe('');
    expect(run.stderr).toContain(
      `ledger: no projection named "acounts" (known: ${PROJECTION_NAMES.join(', ')})`,
    );
  });

  it('prints the usage for a command it does not know (exit 1)', async () => {
    const run = await runCli(['projections', 'drop', 'accounts'], env);
    expect(run.code).toBe(1);
    expect(run.stderr).toContain('unknown command "projections drop"');
    expect(run.stderr).toContain('Usage: npm run ledger -- projections <command>');
  });

  it('creates a named export, and refuses one it does not know with its code (exit 1)', async () => {
    const directory = join(DEFAULT_DATA_DIR, 'exports');
    const created = await runCli(['export', 'create', 'cli-test', '--dir', directory], env);
    expect(created.code, created.stderr).toBe(0);
    expect(created.stdout).toContain(`Created export cli-test: parquet into ${directory}`);
    const unknown = await runCli(['export', 'run', 'cli-tset'], env);
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toContain('No export named "cli-tset"');
    expect(unknown.stderr).toContain('(NOT_FOUND)');
  });

  it(
    'rebuilds accounts on a seeded log, with the live projector in the app and then nowhere (exit 0)',
    { timeout: 180_000 },
    async () => {
      const ledger = await startTestApp({ databaseUrl: database.url });
      let accountId: string;
      try {
        accountId = await seed(ledger);
        await waitUntilCaughtUp(ledger);

        // The live projector runs in another process (the app): the rebuild pauses it
        // through PostgreSQL for the swap.
        const run = await runCli(['projections', 'rebuild', 'accounts'], env);
        expect(run.code, run.stderr).toBe(0);
        expect(run.stdout).toMatch(/^Rebuilt accounts: swapped in at position \d+\.\d+$/m);
        expect(run.stdout).toMatch(/^\d+ events applied in \d+\.\d s$/m);
        expect(run.stdout).toMatch(/^view_accounts\s+yes\s+1\s+1\s+(-?\d+)\s+\1$/m);
        expect(run.stdout).toMatch(/^view_account_statements\s+yes\s+3\s+3\s/m);
        // Progress on stderr, as plain lines: stderr is a pipe here.
        expect(run.stderr).toMatch(/^accounts loading \[#+-*\] \d+% \d+\/~\d+ events/m);
        expect(run.stderr).not.toContain('\r');

        // The app reads the swapped-in tables and its projector keeps writing into them.
        expect(data(await ledger.gql(BALANCE, { id: accountId }), 'account')).toEqual({
          balance: '12.75',
        });
        const deposit = data<CommandResultData>(
          await ledger.gql(DEPOSIT, { input: { accountId, amount: '1.00', reference: 'after' } }),
          'depositFunds',
        );
        expect(
          data(
            await ledger.gql(BALANCE, {
              id: accountId,
              consistency: { atLeast: deposit.position },
            }),
            'account',
          ),
        ).toEqual({ balance: '13.75' });
        await waitUntilCaughtUp(ledger);
      } finally {
        await ledger.close();
      }

      // No projector runs anywhere now, and the live copy is caught up: nothing to wait for.
      const alone = await runCli(['projections', 'rebuild', 'accounts'], env);
      expect(alone.code, alone.stderr).toBe(0);
      expect(alone.stdout).toMatch(/^view_account_statements\s+yes\s+4\s+4\s/m);

      // Every view at once, in one pass over the log.
      const all = await runCli(['projections', 'rebuild', 'all'], env);
      expect(all.code, all.stderr).toBe(0);
      for (const name of ['accounts', 'holdings', 'orders', 'ledger-entries']) {
        expect(all.stdout).toContain(`Rebuilt ${name}: swapped in`);
      }

      const status = await runCli(['projections', 'status'], env);
      expect(status.code, status.stderr).toBe(0);
      expect(status.stdout).toMatch(/^accounts\s+\d+\.\d+\s+0\s+0\s+running\s+0$/m);
      // The shadow's checkpoint is gone with the rebuild.
      expect(status.stdout).not.toContain('#rebuild');
    },
  );

  it('lists no parked events and replays none (exit 0)', async () => {
    const parked = await runCli(['projections', 'parked'], env);
    expect(parked.code, parked.stderr).toBe(0);
    expect(parked.stdout.trim()).toBe('No parked events.');
    const replay = await runCli(['projections', 'replay-parked', 'accounts'], env);
    expect(replay.code, replay.stderr).toBe(0);
    expect(replay.stdout.trim()).toBe(
      'Replayed 0 parked event(s) of accounts; 0 failed again and stay parked.',
    );
  });
});

describe('the ledger CLI on the embedded default (no DATABASE_URL)', () => {
  let dataDir: Awaited<ReturnType<typeof temporaryDataDir>>;
  beforeAll(async () => {
    dataDir = await temporaryDataDir();
  });
  afterAll(async () => {
    await dataDir?.remove();
  });

  it(
    'starts its own server when no Ledger holds the data directory, and uses the running one when one does',
    { timeout: 180_000 },
    async () => {
      const env = { LEDGER_DATA_DIR: dataDir.dir };
      const urlFile = join(dataDir.dir, 'postgres.url');

      const own = await runCli(['projections', 'status'], env);
      expect(own.code, own.stderr).toBe(0);
      expect(own.stderr).toContain(
        `an embedded PostgreSQL on ${dataDir.dir}, started for this command`,
      );
      expect(own.stdout).toMatch(/^accounts\s+0\.0\s+0\s+0\s+not-started\s+0$/m);
      // Stopped again, and the data directory released.
      expect(await exists(urlFile)).toBe(false);
      expect(await exists(join(dataDir.dir, 'ledger.lock'))).toBe(false);

      const ledger = await startTestApp({ dataDir: dataDir.dir });
      try {
        // The app publishes its server's address, for its owner only.
        expect((await stat(urlFile)).mode & 0o777).toBe(0o600);
        await seed(ledger);
        await waitUntilCaughtUp(ledger);

        const shared = await runCli(['projections', 'status'], env);
        expect(shared.code, shared.stderr).toBe(0);
        expect(shared.stderr).toContain(
          `the embedded PostgreSQL of the Ledger running on ${dataDir.dir} (pid ${process.pid})`,
        );
        expect(shared.stderr).not.toContain(':ledger@'); // no password
        expect(shared.stdout).toMatch(/^accounts\s+\d+\.\d+\s+0\s+0\s+running\s+0$/m);

        const rebuild = await runCli(['projections', 'rebuild', 'accounts'], env);
        expect(rebuild.code, rebuild.stderr).toBe(0);
        expect(rebuild.stdout).toContain('Rebuilt accounts: swapped in');
      } finally {
        await ledger.close();
      }
      expect(await exists(urlFile)).toBe(false);
    },
  );
});
