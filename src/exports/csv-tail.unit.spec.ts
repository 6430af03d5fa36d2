import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { csvRow } from '../event-store/csv-pages.js';
import { CSV_QUOTE as Q, type JsonObject } from '../event-store/event-store.port.js';
import { lastPositionOf } from './csv-tail.js';

describe('lastPositionOf', () => {
  let folder: string;
  beforeAll(async () => {
    folder = await mkdtemp(join(tmpdir(), 'ledger-csv-tail-'));
  });
  afterAll(() => rm(folder, { recursive: true, force: true }));

  async function fileOf(name: string, text: string): Promise<string> {
    const path = join(folder, name);
    await writeFile(path, text);
    return path;
  }

  /** A row as readAllAsCsv writes it, with `data` and a correlation id of the test's. */
  const row = (
    commit: number,
    prepare: number,
    data: JsonObject = { a: 1 },
    correlationId = 'c-1',
  ): string =>
    csvRow({
      id: 'id',
      type: 'Deposited.v1',
      streamId: 'account-1',
      revision: 0n,
      position: { commit: BigInt(commit), prepare: BigInt(prepare) },
      data,
      metadata: { correlationId },
      createdAt: new Date('2026-01-01T00:00:00.000Z'),
    });

  it('is undefined for an empty file', async () => {
    expect(await lastPositionOf(await fileOf('empty.csv', ''))).toBeUndefined();
  });

  it("reads the last row's position, with or without its final newline", async () => {
    const rows = row(7, 1) + row(7, 2) + row(9, 12);
    expect(await lastPositionOf(await fileOf('rows.csv', rows))).toEqual({
      commit: 9n,
      prepare: 12n,
    });
    expect(await lastPositionOf(await fileOf('open.csv', rows.slice(0, -1)))).toEqual({
      commit: 9n,
      prepare: 12n,
    });
    expect(await lastPositionOf(await fileOf('one.csv', row(3, 4)))).toEqual({
      commit: 3n,
      prepare: 4n,
    });
  });

  it('finds a last row longer than its first look back', async () => {
    const long = row(5, 6, { text: 'x'.repeat(200_000) });
    expect(await lastPositionOf(await fileOf('long.csv', row(1, 1) + long))).toEqual({
      commit: 5n,
      prepare: 6n,
    });
  });

  it('reads past newlines inside quoted fields, in the last row and before it', async () => {
    const odd = 'line one\nline two\r\n' + `${Q}quoted${Q}\n`;
    const rows = row(1, 1, undefined, odd) + row(2, 5, undefined, `3,4,${odd}\n9,9,`);
    expect(await lastPositionOf(await fileOf('newlines.csv', rows))).toEqual({
      commit: 2n,
      prepare: 5n,
    });
    const long = row(6, 7, undefined, `\n${'x'.repeat(100_000)}\n8,8,`);
    expect(await lastPositionOf(await fileOf('long-newlines.csv', row(1, 1) + long))).toEqual({
      commit: 6n,
      prepare: 7n,
    });
  });

  it('refuses a last row that does not start with a position', async () => {
    const path = await fileOf('bad.csv', `${row(1, 1)}${Q}a row${Q},that,is,not,an,event\n`);
    await expect(lastPositionOf(path)).rejects.toThrow(/does not start with a position/);
  });
});
