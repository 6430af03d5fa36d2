import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PostgresEventStore } from '../../src/infrastructure/event-store/postgres/postgres.event-store.js';
import { ExportsService } from '../../src/exports/exports.service.js';
import { useMigratedDatabase } from '../support/test-database.js';
import {
  TEST_COMMAND,
  bytesOf,
  loadTradingLog,
  parquetOf,
  queryExport,
  removeDirectory,
  temporaryDirectory,
} from './export-fixture.js';

const database = useMigratedDatabase();
let directory: string;
let service: ExportsService;

beforeAll(async () => {
  await loadTradingLog(database.pool, 3_000);
  service = new ExportsService(new PostgresEventStore(database.pool), database.pool);
  directory = await temporaryDirectory();
});

afterAll(() => removeDirectory(directory));

describe('a named export of the log to Parquet', () => {
  it('exports every event once, counted per type as the log counts them', async () => {
    await service.create('warehouse', directory, 'parquet');
    const { manifest } = await service.run('warehouse', TEST_COMMAND);
    const { rows } = await database.pool.query<{ type: string; count: string }>(
      `SELECT split_part(type, '.', 1) AS type, count(*) FROM ledger_events GROUP BY 1 ORDER BY 1`,
    );
    const exported = await queryExport<{ event_type: string; count: bigint }>(
      `SELECT event_type, count(*) AS count FROM ${parquetOf(directory, 'events')} GROUP BY 1 ORDER BY 1`,
    );
    expect(exported.map((r) => [r.event_type, Number(r.count)])).toEqual(
      rows.map((r) => [r.type, Number(r.count)]),
    );
    expect(manifest!.events).toBe(rows.reduce((sum, r) => sum + Number(r.count), 0));
  });
});
