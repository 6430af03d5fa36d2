import { LedgerError } from '../shared/ledger-errors.js';

/** No export of that name was created; nothing was written. */
export class UnknownExportError extends LedgerError {
  override readonly name = 'UnknownExportError';
  readonly code = 'NOT_FOUND' as const;
  constructor(exportName: string) {
    super(`No export named ${JSON.stringify(exportName)}; create it first (ledger export create)`);
  }
}

/** An export of that name exists already (with its own directory and checkpoint). */
export class ExportExistsError extends LedgerError {
  override readonly name = 'ExportExistsError';
  readonly code = 'ALREADY_EXISTS' as const;
  constructor(exportName: string) {
    super(`An export named ${JSON.stringify(exportName)} exists already`);
  }
}

/** The directory cannot be made or written to: checked before anything is read or written. */
export class ExportDirectoryUnwritableError extends LedgerError {
  override readonly name = 'ExportDirectoryUnwritableError';
  readonly code = 'EXPORT_DIRECTORY_UNWRITABLE' as const;
  constructor(directory: string, reason: string) {
    super(`Cannot write to the export directory ${directory}: ${reason}`);
  }
}

/** The range names a position past the log's head, or ends before it starts. */
export class ExportRangeNotFoundError extends LedgerError {
  override readonly name = 'ExportRangeNotFoundError';
  readonly code = 'EXPORT_RANGE_NOT_FOUND' as const;
}

/** The disk filled mid-run: the run's files were removed and the checkpoint stayed. */
export class ExportDiskFullError extends LedgerError {
  override readonly name = 'ExportDiskFullError';
  readonly code = 'EXPORT_DISK_FULL' as const;
  constructor(directory: string) {
    super(
      `The disk of ${directory} filled during the export; its files were removed and the ` +
        'checkpoint did not move: free space and run it again',
    );
  }
}

/** Two runs of one named export would write the same files: the second is refused. */
export class ExportBusyError extends LedgerError {
  override readonly name = 'ExportBusyError';
  readonly code = 'EXPORT_BUSY' as const;
  constructor(exportName: string) {
    super(`The export ${JSON.stringify(exportName)} is running elsewhere; try again when it ends`);
  }
}

/**
 * Another run (of any export, a one-off range or a snapshot of the views) is writing to
 * the same directory: one writer per directory, since each sweeps what no manifest lists.
 */
export class ExportDirectoryBusyError extends LedgerError {
  override readonly name = 'ExportDirectoryBusyError';
  readonly code = 'EXPORT_BUSY' as const;
  constructor(directory: string) {
    super(
      `Another export is writing to ${directory}; one run writes to a directory at a time: ` +
        'try again when it ends',
    );
  }
}

/** ENOSPC from Node, or DuckDB's message for it (its I/O errors carry no code). */
export function isDiskFull(error: unknown): boolean {
  if (!(error instanceof Error)) return false;
  const code = (error as NodeJS.ErrnoException).code;
  return code === 'ENOSPC' || code === 'EDQUOT' || /no space left on device/i.test(error.message);
}
