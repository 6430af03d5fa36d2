import { type Dataset, type ExportFormat } from './export-datasets.js';

/** Raised when what a manifest holds changes shape, so readers can tell. */
export const MANIFEST_VERSION = 1;
/** Manifests live here, one per run, written last: a run without one never happened. */
export const MANIFESTS_FOLDER = '_manifests';

export interface ManifestFile {
  /** Relative to the export directory, with `/` separators. */
  readonly path: string;
  readonly dataset: Dataset['name'];
  readonly date: string;
  readonly rows: number;
  readonly bytes: number;
  readonly sha256: string;
}

/** Who asked for the run, and how. */
export interface ExportCommand {
  readonly source: 'cli' | 'graphql';
  /** The CLI's arguments, or the mutation's name. */
  readonly request: string;
  readonly commandId: string | null;
  readonly userId: string | null;
}

export interface ExportManifest {
  readonly manifestVersion: typeof MANIFEST_VERSION;
  /** The named export it belongs to; null for a one-off range. */
  readonly exportName: string | null;
  /** The named export's run number, from 1; null for a one-off range. */
  readonly run: number | null;
  readonly format: ExportFormat;
  /** Exclusive: the run holds the events after this position… */
  readonly fromPosition: string;
  /** …up to this one, inclusive. */
  readonly toPosition: string;
  readonly events: number;
  readonly postings: number;
  /** The schema version of every event type: rows hold the current one (upcast on read). */
  readonly schemaVersions: Readonly<Record<string, number>>;
  readonly command: ExportCommand;
  readonly createdAt: string;
  readonly files: readonly ManifestFile[];
}

export function manifestFileName(
  manifest: Pick<ExportManifest, 'exportName' | 'run' | 'fromPosition' | 'toPosition'>,
): string {
  if (manifest.exportName !== null && manifest.run !== null) {
    return `${manifest.exportName}.run-${String(manifest.run).padStart(8, '0')}.json`;
  }
  const part = (token: string): string => token.replace('.', '_');
  return `range.${part(manifest.fromPosition)}-${part(manifest.toPosition)}.json`;
}
