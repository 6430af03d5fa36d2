import { mkdir, symlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { randomUUID } from 'node:crypto';
import { CSV_QUOTE } from '../../src/event-store/event-store.port.js';
import { type Position, START, encodePosition } from '../../src/event-store/position.js';
import { decodeEvent, encodeEvent } from '../../src/events/event-codec.js';
import { accountStream } from '../../src/events/stream-names.js';
import { exportEventRange } from '../../src/exports/event-range-export.js';
import { ExportsService } from '../../src/exports/exports.service.js';
import { DuckDbStaging } from '../../src/exports/duckdb-staging.js';
import { type EventsManifest } from '../../src/exports/export-manifest.js';
import {
  DEFAULT_BATCH_SIZE,
  DEFAULT_RETRY,
} from '../../src/projections/engine/projection-runner.js';
import { liveBinding } from '../../src/projections/engine/projection.js';
import { VIEW_PROJECTIONS } from '../../src/projections/views/index.js';
import { useProjectionDatabase } from '../projections/projection-database.fixture.js';
import {
  TEST_COMMAND,
  appendAccount,
  bytesOf,
  filesBelow,
  loadTradingLog,
  parquetOf,
  queryExport,
  removeDirectory,
  temporaryDirectory,
  waitForHead,
} from './export-fixture.js';

const db = useProjectionDatabase();
const directories: string[] = [];
let service: ExportsService;

async function newDirectory(): Promise<string> {
  const directory = await temporaryDirectory();
  directories.push(directory);
  return directory;
}

/** The log up to `position`, exported to Parquet in a new directory. */
async function exportUpTo(position: Position): Promise<string> {
  const directory = await newDirectory();
  await service.exportRange({ directory, format: 'parquet', to: position, command: TEST_COMMAND });
  return directory;
}

/** One saga event (it has no occurredAt of its own) with `metadata`, at the head of the log. */
async function appendSagaEvent(
  metadata: Record<string, string>,
): Promise<{ stream: string; position: Position }> {
  const stream = `order-saga-${randomUUID()}`;
  const { position } = await db.store.appendToStream(
    stream,
    [
      {
        id: randomUUID(),
        type: 'OrderSagaMarketPolled.v1',
        data: { orderId: randomUUID(), nextCursor: 1 },
        metadata,
      },
    ],
    { expectedRevision: 'any' },
  );
  await waitForHead(db.store, position);
  return { stream, position };
}

/** Brings the four exported views up to the head of the log. */
async function projectViews(): Promise<void> {
  const head = await db.store.headPosition();
  const bindings = VIEW_PROJECTIONS.map(liveBinding);
  await db
    .runner(bindings, { batchSize: DEFAULT_BATCH_SIZE, retry: DEFAULT_RETRY, onFailure: 'stop' })
    .catchUpTo(new Map(bindings.map((binding) => [binding.checkpointName, head])));
}

async function logCountsByType(): Promise<[string, number][]> {
  const { rows } = await db.pool.query<{ type: string; count: string }>(
    `SELECT split_part(type, '.', 1) AS type, count(*) FROM ledger_events GROUP BY 1 ORDER BY 1`,
  );
  return rows.map((r) => [r.type, Number(r.count)]);
}

async function exportedCountsByType(directory: string): Promise<[string, number][]> {
  const rows = await queryExport<{ event_type: string; count: bigint }>(
    `SELECT event_type, count(*) AS count FROM ${parquetOf(directory, 'events')} GROUP BY 1 ORDER BY 1`,
  );
  return rows.map((r) => [r.event_type, Number(r.count)]);
}

beforeAll(async () => {
  await loadTradingLog(db.pool, 3_000);
  service = new ExportsService(db.store, db.pool);
});

afterAll(async () => {
  await Promise.all(directories.map(removeDirectory));
});

describe('a named export of the log to Parquet', () => {
  let directory: string;
  let first: EventsManifest;

  beforeAll(async () => {
    directory = await newDirectory();
    await service.create('warehouse', directory, 'parquet');
    first = (await service.run('warehouse', TEST_COMMAND)).manifest!;
  });

  it('holds every event, counted per type as the log counts them', async () => {
    const counts = await logCountsByType();
    expect(await exportedCountsByType(directory)).toEqual(counts);
    expect(first.events).toBe(counts.reduce((sum, [, count]) => sum + count, 0));
    expect(first.fromPosition).toBe(encodePosition(START));
  });

  it('writes Hive-style day partitions, zstd-compressed, listed with checksums in the manifest', async () => {
    const files = (await filesBelow(directory)).filter((path) => !path.startsWith('_manifests'));
    expect(files.sort()).toEqual(first.files.map((file) => file.path).sort());
    expect(
      files.every((path) =>
        /^(events|postings)\/date=\d{4}-\d{2}-\d{2}\/[^/]+\.parquet$/.test(path),
      ),
    ).toBe(true);
    const [codec] = await queryExport<{ compression: string }>(
      `SELECT DISTINCT compression FROM parquet_metadata('${directory}/events/*/*.parquet')`,
    );
    expect(codec!.compression.toUpperCase()).toBe('ZSTD');
    expect(first.files.every((file) => /^[0-9a-f]{64}$/.test(file.sha256) && file.rows > 0)).toBe(
      true,
    );
  });

  it('keeps money exact: integer minor units, a scale column, and a ledger that sums to zero', async () => {
    const types = await queryExport<{ column_name: string; column_type: string }>(
      `DESCRIBE SELECT amount_minor, currency_scale, quantity FROM ${parquetOf(directory, 'events')}`,
    );
    expect(types.map((t) => t.column_type)).toEqual(['BIGINT', 'UTINYINT', 'BIGINT']);
    const sums = await queryExport<{ currency: string; total: bigint }>(
      `SELECT currency, sum(amount_minor) AS total FROM ${parquetOf(directory, 'postings')} GROUP BY 1`,
    );
    expect(sums.length).toBeGreaterThan(0);
    expect(sums.every((row) => row.total === 0n)).toBe(true);
  });

  it('continues from its checkpoint: every position exactly once across runs', async () => {
    const { position: appended } = await appendAccount(
      db.store,
      'JPY',
      125_000n,
      '2026-02-01T10:00:00.000Z',
    );
    await waitForHead(db.store, appended);
    const second = (await service.run('warehouse', TEST_COMMAND)).manifest!;
    expect(second.fromPosition).toBe(first.toPosition);
    expect(second.toPosition).toBe(encodePosition(appended));
    expect(second.events).toBe(2);
    const [positions] = await queryExport<{ rows: bigint; distinct_positions: bigint }>(
      `SELECT count(*) AS rows, count(DISTINCT position) AS distinct_positions FROM ${parquetOf(directory, 'events')}`,
    );
    const total = (await logCountsByType()).reduce((sum, [, count]) => sum + count, 0);
    expect(Number(positions!.rows)).toBe(total);
    expect(Number(positions!.distinct_positions)).toBe(total);
    expect((await service.run('warehouse', TEST_COMMAND)).manifest).toBeNull();
  });

  it('gives byte-identical files when a range is exported again', async () => {
    const again = await newDirectory();
    const to = first.toPosition.split('.').map(BigInt);
    await service.exportRange({
      directory: again,
      format: 'parquet',
      to: { commit: to[0]!, prepare: to[1]! },
      command: TEST_COMMAND,
    });
    const original = await bytesOf(directory);
    const copy = await bytesOf(again);
    expect([...copy.keys()].sort()).toEqual(first.files.map((file) => file.path).sort());
    for (const [path, bytes] of copy) expect(bytes.equals(original.get(path)!)).toBe(true);
  });

  it('matches the views: money per ledger account, and a snapshot of them', async () => {
    await projectViews();
    const { rows } = await db.pool.query<{ ledger_account: string; total: string }>(
      'SELECT ledger_account, sum(amount_minor)::text AS total FROM view_ledger_entries GROUP BY 1 ORDER BY 1',
    );
    const exported = await queryExport<{ ledger_account: string; total: bigint }>(
      `SELECT ledger_account || ':' || currency AS ledger_account, sum(amount_minor) AS total
       FROM ${parquetOf(directory, 'postings')} GROUP BY 1 ORDER BY 1`,
    );
    const byAccount = new Map<string, bigint>();
    for (const row of exported) {
      const account = row.ledger_account.slice(0, row.ledger_account.lastIndexOf(':'));
      byAccount.set(account, (byAccount.get(account) ?? 0n) + row.total);
    }
    expect(new Map(rows.map((r) => [r.ledger_account, BigInt(r.total)]))).toEqual(byAccount);

    const snapshot = await newDirectory();
    const manifest = await service.snapshotViews(snapshot, 'parquet', TEST_COMMAND);
    expect(Object.keys(manifest.positions).sort()).toEqual([
      'accounts',
      'holdings',
      'ledger-entries',
      'orders',
    ]);
    const mismatches = await queryExport<{ account_id: string }>(
      `WITH cash AS (
         SELECT account_id, sum(amount_minor) AS balance FROM ${parquetOf(directory, 'postings')}
         WHERE account_id IS NOT NULL GROUP BY 1)
       SELECT a.account_id FROM read_parquet('${snapshot}/views/accounts/*.parquet') a
       LEFT JOIN cash c USING (account_id)
       WHERE a.balance_minor <> coalesce(c.balance, 0)`,
    );
    expect(mismatches).toEqual([]);
    expect(manifest.rows['accounts']).toBeGreaterThan(0);
  });
});

describe('the data column', () => {
  it('is the JSON the codec writes for every event: older versions upcast, odd numbers and escapes kept as it writes them', async () => {
    const { accountId } = await appendAccount(db.store, 'USD');
    const metadata = {
      correlationId: 'c',
      causationId: 'c',
      commandId: randomUUID(),
      userId: 'test',
      occurredAt: '2026-02-03T04:05:06.007Z',
    };
    await db.store.appendToStream(
      accountStream(accountId),
      [
        {
          id: randomUUID(),
          type: 'FundsDeposited.v1',
          data: {
            paymentId: randomUUID(),
            amount: '12.34',
            currency: 'USD',
            reference: 'old "v1" é',
          },
          metadata,
        },
      ],
      { expectedRevision: 'any' },
    );
    const { position } = await db.store.appendToStream(
      `order-saga-${randomUUID()}`,
      [
        {
          id: randomUUID(),
          type: 'OrderSagaMarketPolled.v1',
          data: {
            orderId: randomUUID(),
            nextCursor: 1e21,
            ratio: 0.1 + 0.2,
            big: 2 ** 60,
            note: 'tab\t \u0001 "q" \\ é',
            '7': 'seven',
          },
          metadata,
        },
      ],
      { expectedRevision: 'any' },
    );
    await waitForHead(db.store, position);
    const expected = new Map<string, string>();
    for (let after = START; ;) {
      const page = await db.store.readAll({ after, maxCount: 5_000 });
      if (page.length === 0) break;
      for (const recorded of page)
        expected.set(
          encodePosition(recorded.position),
          JSON.stringify(encodeEvent(decodeEvent(recorded)).data),
        );
      after = page.at(-1)!.position;
    }
    const directory = await exportUpTo(position);
    const rows = await queryExport<{ position: string; data: string }>(
      `SELECT position, data FROM ${parquetOf(directory, 'events')}`,
    );
    expect(new Map(rows.map((row) => [row.position, row.data]))).toEqual(expected);
    const [upcast] = await queryExport<{
      schema_version: number;
      amount_minor: bigint;
      currency: string;
      currency_scale: number;
      postings: bigint;
    }>(
      `SELECT schema_version, amount_minor, currency, currency_scale,
              (SELECT sum(amount_minor) FROM ${parquetOf(directory, 'postings')} p
               WHERE p.position_commit = e.position_commit AND p.position_prepare = e.position_prepare) AS postings
       FROM ${parquetOf(directory, 'events')} e WHERE stream = '${accountStream(accountId)}' AND event_type = 'FundsDeposited'`,
    );
    expect(upcast).toEqual({
      schema_version: 2,
      amount_minor: 1234n,
      currency: 'USD',
      currency_scale: 2,
      postings: 0n,
    });
  });

  it('dates an event whose metadata has no occurredAt by when it was recorded, to the millisecond', async () => {
    const { stream, position } = await appendSagaEvent({
      correlationId: 'c',
      causationId: 'c',
      commandId: randomUUID(),
    });
    const [recorded] = await db.store.readStream(stream);
    const directory = await exportUpTo(position);
    const rows = await queryExport<{ at: string }>(
      `SELECT strftime(occurred_at AT TIME ZONE 'UTC', '%Y-%m-%dT%H:%M:%S.%gZ') AS at
       FROM ${parquetOf(directory, 'events')} WHERE position = '${encodePosition(position)}'`,
    );
    expect(rows).toEqual([{ at: recorded!.createdAt.toISOString() }]);
  });

  it("keeps metadata text that holds newlines and the CSV's quote, also in a range's last row", async () => {
    const metadata = {
      correlationId: 'line one\nline two',
      causationId: `carriage\r\nreturn ${CSV_QUOTE}quoted${CSV_QUOTE}\n`,
      commandId: randomUUID(),
    };
    const { position } = await appendSagaEvent(metadata);
    const directory = await exportUpTo(position);
    const rows = await queryExport<{ correlation_id: string; causation_id: string }>(
      `SELECT correlation_id, causation_id FROM ${parquetOf(directory, 'events')}
       WHERE position = '${encodePosition(position)}'`,
    );
    expect(rows).toEqual([
      { correlation_id: metadata.correlationId, causation_id: metadata.causationId },
    ]);
  });
});

describe('errors, with nothing written', () => {
  it('refuses an unknown export name', async () => {
    await expect(service.run('nobody', TEST_COMMAND)).rejects.toMatchObject({ code: 'NOT_FOUND' });
  });

  it('refuses a directory it cannot write', async () => {
    const parent = await newDirectory();
    await writeFile(join(parent, 'a-file'), '');
    const inside = join(parent, 'a-file', 'exports');
    await expect(service.create('blocked', inside, 'parquet')).rejects.toMatchObject({
      code: 'EXPORT_DIRECTORY_UNWRITABLE',
    });
    await expect(
      service.exportRange({ directory: inside, format: 'parquet', command: TEST_COMMAND }),
    ).rejects.toMatchObject({ code: 'EXPORT_DIRECTORY_UNWRITABLE' });
    expect(await filesBelow(parent)).toEqual(['a-file']);
  });

  it('refuses a range the log does not have', async () => {
    const directory = await newDirectory();
    const head = await db.store.headPosition();
    const past = { commit: head.commit + 1_000n, prepare: 0n };
    await expect(
      service.exportRange({ directory, format: 'parquet', to: past, command: TEST_COMMAND }),
    ).rejects.toMatchObject({ code: 'EXPORT_RANGE_NOT_FOUND' });
    await expect(
      service.exportRange({
        directory,
        format: 'parquet',
        from: head,
        to: START,
        command: TEST_COMMAND,
      }),
    ).rejects.toMatchObject({ code: 'EXPORT_RANGE_NOT_FOUND' });
    expect(await filesBelow(directory)).toEqual([]);
  });

  it('removes what it wrote when the disk fills under DuckDB, and the next run writes it all', async () => {
    const directory = await newDirectory();
    await service.create('full-disk-duckdb', directory, 'parquet');
    const { rows } = await db.pool.query<{ day: string }>(
      `SELECT DISTINCT left(metadata->>'occurredAt', 10) AS day FROM ledger_events`,
    );
    // DuckDB writes the first segment's files to a device that is always full (ENOSPC).
    const writeOut = DuckDbStaging.prototype.writeOut;
    const spy = vi
      .spyOn(DuckDbStaging.prototype, 'writeOut')
      .mockImplementationOnce(async function (this: DuckDbStaging, staging, baseName, format) {
        for (const { day } of rows)
          for (const dataset of ['events', 'postings'])
            await symlink('/dev/full', join(staging, `${day}-${dataset}-${baseName}.${format}`));
        return writeOut.call(this, staging, baseName, format);
      });
    try {
      await expect(service.run('full-disk-duckdb', TEST_COMMAND)).rejects.toMatchObject({
        code: 'EXPORT_DISK_FULL',
      });
      expect(spy).toHaveBeenCalled();
    } finally {
      spy.mockRestore();
    }
    expect(await filesBelow(directory)).toEqual([]);
    expect((await service.find('full-disk-duckdb')).runs).toBe(0);
    await service.run('full-disk-duckdb', TEST_COMMAND);
    expect(await exportedCountsByType(directory)).toEqual(await logCountsByType());
  });

  it('removes what it wrote when the disk fills, and the next run writes it all', async () => {
    const directory = await newDirectory();
    await service.create('full-disk', directory, 'parquet');
    // The manifest, written last, goes to a device that is always full (ENOSPC).
    await mkdir(join(directory, '_manifests'), { recursive: true });
    await symlink('/dev/full', join(directory, '_manifests', '.full-disk.run-00000001.json.tmp'));
    await expect(service.run('full-disk', TEST_COMMAND)).rejects.toMatchObject({
      code: 'EXPORT_DISK_FULL',
    });
    expect(await filesBelow(directory)).toEqual([]);
    expect((await service.find('full-disk')).runs).toBe(0);
    const { manifest } = await service.run('full-disk', TEST_COMMAND);
    expect(await exportedCountsByType(directory)).toEqual(await logCountsByType());
    expect(manifest!.run).toBe(1);
  });
});

describe('an empty range', () => {
  it('is a run of no events and no files', async () => {
    const directory = await newDirectory();
    const head = await db.store.headPosition();
    const manifest = await service.exportRange({
      directory,
      format: 'parquet',
      from: head,
      to: head,
      command: TEST_COMMAND,
    });
    expect(manifest).toMatchObject({ events: 0, postings: 0, files: [] });
    expect((await filesBelow(directory)).filter((path) => !path.startsWith('_manifests'))).toEqual(
      [],
    );
  });
});

describe('one writer per directory', () => {
  it('refuses a second run in a directory while one writes there, whatever its kind', async () => {
    const directory = await newDirectory();
    await service.create('shared-a', directory, 'parquet');
    await service.create('shared-b', directory, 'parquet');
    const outcomes = await Promise.allSettled([
      service.run('shared-a', TEST_COMMAND),
      service.run('shared-b', TEST_COMMAND),
      service.exportRange({ directory, format: 'parquet', command: TEST_COMMAND }),
      service.snapshotViews(directory, 'parquet', TEST_COMMAND),
    ]);
    expect(outcomes.filter((outcome) => outcome.status === 'fulfilled')).toHaveLength(1);
    for (const outcome of outcomes.filter((o) => o.status === 'rejected'))
      expect(outcome.reason).toMatchObject({
        code: 'EXPORT_BUSY',
        message: expect.stringContaining(directory) as string,
      });
    // Alone, each runs.
    expect((await service.run('shared-b', TEST_COMMAND)).definition.runs).toBe(1);
  });
});

describe('other formats', () => {
  it('writes NDJSON and CSV on request, with the same rows', async () => {
    for (const format of ['ndjson', 'csv'] as const) {
      const directory = await newDirectory();
      const manifest = await service.exportRange({ directory, format, command: TEST_COMMAND });
      const reader = format === 'csv' ? 'read_csv' : 'read_json';
      const [row] = await queryExport<{ count: bigint }>(
        `SELECT count(*) AS count FROM ${reader}('${directory}/events/*/*.${format}')`,
      );
      expect(Number(row!.count)).toBe(manifest.events);
    }
  });
});

describe('a range cut into many segments', () => {
  /** Small segments, so that the lanes take turns and currencies cross from one to the other. */
  const SMALL_SEGMENT = 350;

  async function exportTo(segmentEvents?: number): Promise<[string, EventsManifest]> {
    const directory = await newDirectory();
    const manifest = await exportEventRange(db.store, {
      directory,
      format: 'parquet',
      from: START,
      to: await db.store.headPosition(),
      exportName: null,
      run: null,
      command: TEST_COMMAND,
      ...(segmentEvents === undefined ? {} : { segmentEvents }),
    });
    return [directory, manifest];
  }

  const rowsOf = (directory: string, dataset: string, order: string): Promise<unknown[]> =>
    queryExport(`SELECT * FROM ${parquetOf(directory, dataset)} ORDER BY ${order}`);

  it('holds the same rows as one segment does, and the same bytes when cut the same way again', async () => {
    const [whole, wholeManifest] = await exportTo();
    const [cut, cutManifest] = await exportTo(SMALL_SEGMENT);
    expect(cutManifest.events).toBe(wholeManifest.events);
    expect(cutManifest.postings).toBe(wholeManifest.postings);
    // Files are named `<dataset>-<segment>.parquet`, a segment's first and last positions.
    const segments = new Set(
      cutManifest.files.map((file) =>
        file.path
          .split('/')
          .at(-1)!
          .replace(/^[a-z_]+-/, ''),
      ),
    );
    expect(segments.size).toBe(Math.ceil(cutManifest.events / SMALL_SEGMENT));
    expect(await rowsOf(cut, 'events', 'position_commit, position_prepare')).toEqual(
      await rowsOf(whole, 'events', 'position_commit, position_prepare'),
    );
    const postingsOrder = 'position_commit, position_prepare, posting_index';
    expect(await rowsOf(cut, 'postings', postingsOrder)).toEqual(
      await rowsOf(whole, 'postings', postingsOrder),
    );
    const [again] = await exportTo(SMALL_SEGMENT);
    const original = await bytesOf(cut);
    const copy = await bytesOf(again);
    expect([...copy.keys()].sort()).toEqual([...original.keys()].sort());
    for (const [path, bytes] of copy) expect(bytes.equals(original.get(path)!)).toBe(true);
  });
});
