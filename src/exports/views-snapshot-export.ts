import { join } from 'node:path';
import type pg from 'pg';
import { type Position, comparePositions, encodePosition, START } from '../event-store/position.js';
import { EVENT_VERSIONS } from '../events/event-catalog.js';
import { isCurrency, minorDigits } from '../domain/money.js';
import { projectionsOf } from '../shared/view-tables.js';
import { type Cell, DuckDbStaging, type StagedFile } from './duckdb-staging.js';
import { type ExportFormat } from './export-datasets.js';
import {
  type ExportCommand,
  MANIFEST_VERSION,
  type ViewsManifest,
  viewsManifestName,
} from './export-manifest.js';
import { publishRun } from './run-publication.js';
import { VIEW_SNAPSHOTS, type ViewSnapshot } from './view-snapshots.js';
import { type ViewRow, ViewsSnapshotRepository } from './views-snapshot.repository.js';

export interface ViewsSnapshotRequest {
  readonly directory: string;
  readonly format: ExportFormat;
  readonly command: ExportCommand;
}

/** The projectors that keep the exported views: the snapshot states where each stood. */
const SNAPSHOT_PROJECTIONS = projectionsOf([
  'view_accounts',
  'view_holdings',
  'view_orders',
  'view_ledger_entries',
]);

/** A view row as the file's cells: integers parsed, the currency's scale beside the currency. */
function cellsOf(view: ViewSnapshot, row: ViewRow): Cell[] {
  const cells: Cell[] = [];
  view.columns.forEach((column, index) => {
    const value = row[index] ?? null;
    if (value === null) cells.push(null);
    else if (column.type === 'UBIGINT') cells.push(BigInt(value));
    else if (column.type === 'INTEGER') cells.push(Number(value));
    else cells.push(value);
    if (column.name === 'currency')
      cells.push(value !== null && isCurrency(value) ? minorDigits(value) : null);
  });
  return cells;
}

interface StagedSnapshot {
  readonly files: StagedFile[];
  readonly positions: Map<string, Position>;
  readonly rows: Record<string, number>;
}

/** The latest position any of the views had applied: names the snapshot. */
function snapshotName(positions: Map<string, Position>): string {
  const latest = [...positions.values()].reduce(
    (a, b) => (comparePositions(a, b) >= 0 ? a : b),
    START,
  );
  return `at-${latest.commit}_${latest.prepare}`;
}

async function stageSnapshot(
  pool: pg.Pool,
  format: ExportFormat,
  staging: string,
): Promise<StagedSnapshot> {
  const duck = await DuckDbStaging.open(
    VIEW_SNAPSHOTS.map((view) => view.dataset),
    join(staging, 'spill'),
  );
  try {
    const rows: Record<string, number> = {};
    const positions = await new ViewsSnapshotRepository(pool).read(async (reader) => {
      for (const view of VIEW_SNAPSHOTS) {
        let count = 0;
        for await (const page of reader.pages(view)) {
          for (const row of page) duck.append(view.dataset, '', cellsOf(view, row));
          count += page.length;
        }
        rows[view.dataset.name] = count;
      }
      return reader.positions(SNAPSHOT_PROJECTIONS);
    });
    const files = await duck.writeOut(staging, snapshotName(positions), format);
    return { files, positions, rows };
  } finally {
    duck.close();
  }
}

/**
 * Snapshots of the accounts, holdings, orders and ledger entries views, all read in one
 * REPEATABLE READ transaction (with the projectors' checkpoints), so the files agree
 * with each other and the manifest states the log position each reflects.
 */
export function exportViewsSnapshot(
  pool: pg.Pool,
  request: ViewsSnapshotRequest,
): Promise<ViewsManifest> {
  return publishRun(
    request.directory,
    (staging) => stageSnapshot(pool, request.format, staging),
    (staged, files) => {
      const positions = Object.fromEntries(
        [...staged.positions].map(([projection, position]) => [
          projection,
          encodePosition(position),
        ]),
      );
      const manifest: ViewsManifest = {
        manifestVersion: MANIFEST_VERSION,
        kind: 'views',
        format: request.format,
        positions,
        rows: staged.rows,
        schemaVersions: EVENT_VERSIONS,
        command: request.command,
        createdAt: new Date().toISOString(),
        files,
      };
      return { name: viewsManifestName(snapshotName(staged.positions)), manifest };
    },
  );
}
