import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ExportsService } from '../../src/exports/exports.service.js';
import { useTestApp } from '../support/test-app.js';
import { decodePosition } from '../../src/event-store/position.js';
import { removeDirectory, temporaryDirectory, waitForHead } from './export-fixture.js';

const ledger = useTestApp();
let directory: string;

const START_EXPORT = `mutation ($name: String!, $commandId: String) {
  startExport(input: { name: $name, commandId: $commandId }) {
    name run fromPosition toPosition events files manifest
  }
}`;

interface ExportRun {
  readonly name: string;
  readonly run: number | null;
  readonly toPosition: string;
  readonly events: number;
  readonly files: number;
  readonly manifest: string | null;
}

beforeAll(async () => {
  directory = await temporaryDirectory();
  await ledger.app.get(ExportsService).create('graphql', directory, 'parquet');
  const opened = await ledger.gql<{ openAccount: { id: string } }>(
    'mutation { openAccount(input: { customerId: "c-export", name: "Main", currency: "USD" }) { id } }',
  );
  const deposited = await ledger.gql<{ depositFunds: { position: string } }>(
    `mutation { depositFunds(input: { accountId: "${opened.data!.openAccount.id}", amount: "12.34", reference: "x" }) { position } }`,
  );
  await waitForHead(ledger.store, decodePosition(deposited.data!.depositFunds.position)!);
});

afterAll(() => removeDirectory(directory));

describe('startExport', () => {
  it('runs a named export for an admin, once per commandId', async () => {
    const first = await ledger.gql<{ startExport: ExportRun }>(START_EXPORT, {
      name: 'graphql',
      commandId: 'export-1',
    });
    expect(first.errors).toBeUndefined();
    const run = first.data!.startExport;
    expect(run).toMatchObject({ name: 'graphql', run: 1, events: 2 });
    expect(run.files).toBeGreaterThan(0);
    expect(run.manifest).toBe('_manifests/graphql.run-00000001.json');

    const again = await ledger.gql<{ startExport: ExportRun }>(START_EXPORT, {
      name: 'graphql',
      commandId: 'export-1',
    });
    expect(again.data!.startExport).toEqual(run);
    const nothingNew = await ledger.gql<{ startExport: ExportRun }>(START_EXPORT, {
      name: 'graphql',
    });
    expect(nothingNew.data!.startExport).toMatchObject({
      run: null,
      files: 0,
      toPosition: run.toPosition,
    });
  });

  it('answers NOT_FOUND for an export that does not exist', async () => {
    const response = await ledger.gql(START_EXPORT, { name: 'nowhere' });
    expect(response.errors?.[0]?.extensions?.['code']).toBe('NOT_FOUND');
  });
});
