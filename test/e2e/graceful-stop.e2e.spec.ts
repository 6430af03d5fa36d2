import { randomUUID } from 'node:crypto';
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SERVER_URL_FILE } from '../../src/infrastructure/database/embedded-postgres.server.js';
import { createPool } from '../../src/infrastructure/database/create-pool.js';
import { type AppProcess, killAppProcesses, startAppProcess } from '../support/app-process.js';
import { temporaryDataDir } from '../support/test-app.js';
import { type CommandResultData, DEPOSIT, OPEN_ACCOUNT } from './graphql-operations.js';

/**
 * SIGTERM while commands are in flight, on the embedded default. What is asserted, per
 * command id, once the app has stopped and started again on the same data:
 * - answered OK: its event is in the log exactly once, and a retry with the same id
 *   returns the same result without appending;
 * - refused with 503 (the server was draining), or refused by the command handler: its
 *   event is not in the log;
 * - not answered (the connection was refused or cut once the server had closed): its
 *   event is in the log at most once, and a retry with the same id answers OK and
 *   leaves exactly one;
 * - and every request sent before the SIGTERM was answered (OK or 503): the requests in
 *   flight finished instead of being cut off, some of them after the signal.
 * The app exits 0, and the embedded PostgreSQL shut down cleanly (no postmaster.pid left).
 */
const COMMANDS = 400;
/** Clients, each depositing to an account of its own: no write conflicts between them. */
const CONCURRENCY = 24;
/** SIGTERM once this many commands were answered: the rest are in flight or to come. */
const SIGTERM_AFTER = 80;

type Outcome = 'ok' | 'rejected' | 'refused' | 'unanswered';

interface Sent {
  readonly commandId: string;
  readonly accountId: string;
  readonly startedAt: number;
  endedAt: number;
  outcome: Outcome;
  result?: CommandResultData;
  error?: string;
}

let dataDir: Awaited<ReturnType<typeof temporaryDataDir>>;
beforeAll(async () => {
  dataDir = await temporaryDataDir();
});
afterAll(async () => {
  await killAppProcesses();
  await dataDir?.remove();
});

function startEmbedded(): Promise<AppProcess> {
  // The embedded default, whatever the environment of the test run says.
  return startAppProcess({
    LEDGER_DATA_DIR: dataDir.dir,
    DATABASE_URL: '',
    EVENTSTORE_URL: '',
    ELASTICSEARCH_URL: '',
  });
}

function depositInput(sent: Pick<Sent, 'commandId' | 'accountId'>) {
  return { commandId: sent.commandId, accountId: sent.accountId, amount: '1.00', reference: 'r' };
}

async function send(app: AppProcess, sent: Sent): Promise<void> {
  try {
    const { status, body } = await app.gql<{ depositFunds: CommandResultData }>(DEPOSIT, {
      input: depositInput(sent),
    });
    if (status === 503) sent.outcome = 'refused';
    else if (body?.data?.depositFunds) {
      sent.outcome = 'ok';
      sent.result = body.data.depositFunds;
    } else {
      sent.outcome = 'rejected';
      sent.error = body?.errors?.[0]?.extensions?.code ?? body?.errors?.[0]?.message;
    }
  } catch {
    sent.outcome = 'unanswered';
  }
  sent.endedAt = Date.now();
}

/** Sends every command, CONCURRENCY at a time, and calls `onAnswered` after each answer. */
async function sendAll(app: AppProcess, accounts: string[], onAnswered: (n: number) => void) {
  const all: Sent[] = [];
  let answered = 0;
  const worker = async (client: number): Promise<void> => {
    while (all.length < COMMANDS) {
      const sent: Sent = {
        commandId: `stop-${randomUUID()}`,
        accountId: accounts[client]!,
        startedAt: Date.now(),
        endedAt: 0,
        outcome: 'unanswered',
      };
      all.push(sent);
      await send(app, sent);
      if (sent.outcome !== 'unanswered') onAnswered(++answered);
    }
  };
  await Promise.all(Array.from({ length: CONCURRENCY }, (_, client) => worker(client)));
  return all;
}

async function logCounts(pool: pg.Pool): Promise<Map<string, number>> {
  const { rows } = await pool.query<{ command_id: string; events: number }>(
    `SELECT metadata->>'commandId' AS command_id, count(*)::int AS events FROM ledger_events
     WHERE type LIKE 'FundsDeposited%' GROUP BY 1`,
  );
  return new Map(rows.map((row) => [row.command_id, row.events]));
}

async function openAccounts(app: AppProcess): Promise<string[]> {
  const ids: string[] = [];
  for (let i = 0; i < CONCURRENCY; i++) {
    const input = { customerId: `c${i}`, name: `n${i}`, currency: 'USD' };
    const { body } = await app.gql<{ openAccount: CommandResultData }>(OPEN_ACCOUNT, { input });
    ids.push(body!.data!.openAccount.id);
  }
  return ids;
}

describe('SIGTERM with commands in flight', () => {
  it('finishes or never appends each command, and stops the embedded PostgreSQL cleanly', async () => {
    const app = await startEmbedded();
    const accounts = await openAccounts(app);
    // All it prints from here: the output() tail can lose the stop line under the
    // request lines written after it.
    const printed: Buffer[] = [];
    app.child.stdout!.on('data', (chunk: Buffer) => printed.push(chunk));
    let sigtermAt = Number.POSITIVE_INFINITY;
    const sent = await sendAll(app, accounts, (answered) => {
      if (answered === SIGTERM_AFTER) {
        sigtermAt = Date.now();
        app.child.kill('SIGTERM');
      }
    });
    expect(await app.exited).toEqual({ code: 0, signal: null });
    expect(Buffer.concat(printed).toString()).toContain('Ledger stopping (SIGTERM)');
    expect(existsSync(join(dataDir.dir, 'postgres', 'postmaster.pid'))).toBe(false);

    const restarted = await startEmbedded();
    const url = (await readFile(join(dataDir.dir, SERVER_URL_FILE), 'utf8')).trim();
    const pool = createPool({ connectionString: url, max: 2 });
    try {
      await expectEachCommandOnceOrNever(restarted, pool, sent, sigtermAt);
    } finally {
      await pool.end();
    }
    expect(await restarted.kill('SIGTERM')).toEqual({ code: 0, signal: null });
  }, 300_000);
});

async function expectEachCommandOnceOrNever(
  app: AppProcess,
  pool: pg.Pool,
  sent: readonly Sent[],
  sigtermAt: number,
): Promise<void> {
  const before = await logCounts(pool);
  const by = (outcome: Outcome) => sent.filter((command) => command.outcome === outcome);
  const counts = (commands: readonly Sent[]) =>
    commands.map((command) => before.get(command.commandId) ?? 0);
  console.log(
    `outcomes: ${(['ok', 'refused', 'unanswered', 'rejected'] as const)
      .map((outcome) => `${by(outcome).length} ${outcome}`)
      .join(', ')}`,
  );
  expect(new Set(counts(by('ok')))).toEqual(new Set([1]));
  expect(counts([...by('refused'), ...by('rejected')]).every((count) => count === 0)).toBe(true);
  expect(counts(by('unanswered')).every((count) => count <= 1)).toBe(true);
  // In flight at the signal: answered, none cut off, and some answered after it.
  const beforeSignal = sent.filter((command) => command.startedAt < sigtermAt);
  expect(beforeSignal.filter((command) => command.outcome === 'unanswered')).toEqual([]);
  expect(by('ok').some((c) => c.startedAt < sigtermAt && c.endedAt > sigtermAt)).toBe(true);

  for (const command of sent.filter((c) => c.outcome !== 'ok')) {
    const { body } = await app.gql(DEPOSIT, { input: depositInput(command) });
    expect(body?.errors).toBeUndefined();
  }
  for (const command of by('ok')) {
    const { body } = await app.gql<{ depositFunds: CommandResultData }>(DEPOSIT, {
      input: depositInput(command),
    });
    expect(body?.errors).toBeUndefined();
    expect(body?.data?.depositFunds).toEqual(command.result);
  }
  const after = await logCounts(pool);
  expect(new Set(sent.map((command) => after.get(command.commandId)))).toEqual(new Set([1]));
}
