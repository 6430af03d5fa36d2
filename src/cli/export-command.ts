import { type INestApplicationContext } from '@nestjs/common';
import type pg from 'pg';
import { type LedgerConfig } from '../config/ledger-config.js';
import { encodePosition } from '../event-store/position.js';
import { type ExportProgress } from '../exports/event-range-export.js';
import { type ExportCommand, type ExportManifest } from '../exports/export-manifest.js';
import { ExportsService } from '../exports/exports.service.js';
import { type ExportDefinition } from '../exports/exports.repository.js';
import { DATABASE_POOL } from '../infrastructure/database/database.tokens.js';
import { type ExportAction } from './export-args.js';
import { EXIT_OK, out } from './cli-io.js';
import { estimateLogEvents } from '../projections/engine/log-size.repository.js';
import { ProgressReporter } from './progress-bar.js';
import { formatCount, formatTable } from './table-format.js';

const cliCommand = (request: string): ExportCommand => ({
  source: 'cli',
  request,
  commandId: null,
  userId: process.env['USER'] ?? null,
});

function summary(manifest: ExportManifest, directory: string): string {
  const rows = manifest.files.reduce((sum, file) => sum + file.rows, 0);
  const what =
    manifest.kind === 'events'
      ? `${formatCount(manifest.events)} events after ${manifest.fromPosition} up to ${manifest.toPosition}`
      : `views as of ${Object.entries(manifest.positions)
          .map(([view, position]) => `${view} ${position}`)
          .join(', ')}`;
  return `Exported ${what}: ${manifest.files.length} files, ${formatCount(rows)} rows, ${manifest.format}, in ${directory}`;
}

function exportsTable(definitions: readonly ExportDefinition[]): string {
  return formatTable(
    [
      { header: 'name' },
      { header: 'format' },
      { header: 'directory', maxWidth: 120 },
      { header: 'checkpoint' },
      { header: 'runs', align: 'right' },
      { header: 'events', align: 'right' },
    ],
    definitions.map((e) => [
      e.name,
      e.format,
      e.directory,
      encodePosition(e.checkpoint),
      formatCount(e.runs),
      formatCount(e.events),
    ]),
  );
}

/** Runs `work` with a progress line on stderr (rows/s and, with a total, the ETA). */
async function withProgress<T>(
  label: string,
  total: number | undefined,
  work: (onProgress: (progress: ExportProgress) => void) => Promise<T>,
): Promise<T> {
  const reporter = new ProgressReporter(process.stderr, { label });
  try {
    return await work((progress) =>
      reporter.update({
        phase: 'exporting',
        applied: progress.exported,
        total,
        eventsPerSecond: progress.eventsPerSecond,
      }),
    );
  } finally {
    reporter.finish();
  }
}

/** `ledger export …` on the app's context. Errors (with their codes) go to the caller. */
export async function runExport(
  app: INestApplicationContext,
  config: LedgerConfig,
  action: ExportAction,
): Promise<number> {
  const exports = app.get(ExportsService);
  // Only a log in PostgreSQL has a size to show; positions alone say nothing of counts.
  const logSize = async (): Promise<number | undefined> =>
    config.eventStoreUrl === undefined
      ? estimateLogEvents(app.get<pg.Pool>(DATABASE_POOL))
      : undefined;
  switch (action.kind) {
    case 'create': {
      const created = await exports.create(action.exportName, action.directory, action.format);
      out(`Created export ${created.name}: ${created.format} into ${created.directory}`);
      return EXIT_OK;
    }
    case 'list':
      out(exportsTable(await exports.list()));
      return EXIT_OK;
    case 'run': {
      const { events, directory } = await exports.find(action.exportName);
      const size = await logSize();
      const result = await withProgress(
        action.exportName,
        size && Math.max(size - events, 0),
        (onProgress) => exports.run(action.exportName, cliCommand(action.request), onProgress),
      );
      out(
        result.manifest
          ? summary(result.manifest, directory)
          : `${action.exportName}: nothing new in the log`,
      );
      return EXIT_OK;
    }
    case 'range': {
      const size = action.from === undefined ? await logSize() : undefined;
      const manifest = await withProgress('range', size, (onProgress) =>
        exports.exportRange({ ...action, command: cliCommand(action.request), onProgress }),
      );
      out(summary(manifest, action.directory));
      return EXIT_OK;
    }
    case 'views': {
      const manifest = await exports.snapshotViews(
        action.directory,
        action.format,
        cliCommand(action.request),
      );
      out(summary(manifest, action.directory));
      return EXIT_OK;
    }
  }
}
