import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EventStoreDbEventStore } from '../../src/infrastructure/event-store/eventstoredb/eventstoredb.event-store.js';
import { ExportsService } from '../../src/exports/exports.service.js';
import { accountStream } from '../../src/events/stream-names.js';
import { type EsdbEmulator, startEsdbEmulator } from '../support/esdb-emulator/index.js';
import { useMigratedDatabase } from '../support/test-database.js';
import {
  TEST_COMMAND,
  appendAccount,
  appendEvents,
  deposit,
  parquetOf,
  queryExport,
  removeDirectory,
  temporaryDirectory,
} from './export-fixture.js';

// The named export's checkpoint is in PostgreSQL; the events come from EventStoreDB.
const database = useMigratedDatabase();
let emulator: EsdbEmulator;
let store: EventStoreDbEventStore;
let service: ExportsService;
let directory: string;

beforeAll(async () => {
  emulator = await startEsdbEmulator();
  store = new EventStoreDbEventStore(emulator.connectionString);
  service = new ExportsService(store, database.pool);
  directory = await temporaryDirectory();
});

afterAll(async () => {
  await store?.close();
  await emulator?.stop();
  await removeDirectory(directory);
});

describe('an export of a log in EventStoreDB', () => {
  it('reads through the port: incremental runs, currencies from before the range', async () => {
    const yen = await appendAccount(store, 'JPY', 5_000n, '2026-03-01T09:00:00.000Z');
    await appendAccount(store, 'USD', 12_345n, '2026-03-02T09:00:00.000Z');
    await service.create('esdb', directory, 'parquet');
    const first = (await service.run('esdb', TEST_COMMAND)).manifest!;
    expect(first.events).toBe(4);

    // The account was opened in the first run: its currency is read back through the port.
    await appendEvents(
      store,
      accountStream(yen.accountId),
      [deposit(yen.accountId, 700n)],
      '2026-03-03T09:00:00.000Z',
    );
    const second = (await service.run('esdb', TEST_COMMAND)).manifest!;
    expect(second.fromPosition).toBe(first.toPosition);
    expect(second.events).toBe(1);

    const rows = await queryExport<{
      date: string;
      event_type: string;
      currency: string;
      currency_scale: number;
      amount_minor: bigint;
    }>(
      `SELECT strftime(date, '%Y-%m-%d') AS date, event_type, currency, currency_scale, amount_minor
       FROM ${parquetOf(directory, 'events')} WHERE event_type = 'FundsDeposited' ORDER BY position_commit, position_prepare`,
    );
    expect(rows).toEqual([
      {
        date: '2026-03-01',
        event_type: 'FundsDeposited',
        currency: 'JPY',
        currency_scale: 0,
        amount_minor: 5_000n,
      },
      {
        date: '2026-03-02',
        event_type: 'FundsDeposited',
        currency: 'USD',
        currency_scale: 2,
        amount_minor: 12_345n,
      },
      {
        date: '2026-03-03',
        event_type: 'FundsDeposited',
        currency: 'JPY',
        currency_scale: 0,
        amount_minor: 700n,
      },
    ]);
    const [ledger] = await queryExport<{ total: bigint }>(
      `SELECT sum(amount_minor) AS total FROM ${parquetOf(directory, 'postings')}`,
    );
    expect(ledger!.total).toBe(0n);
  });
});
