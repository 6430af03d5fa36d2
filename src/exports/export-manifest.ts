import { type Dataset, type ExportFormat } from './export-datasets.js';

/** Raised when what a manifest holds changes shape, so readers can tell. */
export const MANIFEST_VERSION = 1;
/** Manifests live here, one per run, written last: a run without one never happened. */
export const MANIFESTS_FOLDER = '_manifests';

export interface ManifestFile {
  /** Relative to the export directory, with `/` separators. */
  readonly path: string;
  readonly dataset: Dataset['name'];
  /** The day partition; null for a view's snapshot. */
  readonly date: string | null;
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

interface ManifestBase {
  readonly manifestVersion: typeof MANIFEST_VERSION;
  readonly format: ExportFormat;
  /** The schema version of every event type: rows hold the current one (upcast on read). */
  readonly schemaVersions: Readonly<Record<string, number>>;
  readonly command: ExportCommand;
  readonly createdAt: string;
  readonly files: readonly ManifestFile[];
}

/** A run over a range of the log: the events and postings datasets. */
export interface EventsManifest extends ManifestBase {
  readonly kind: 'events';
  /** The named export it belongs to; null for a one-off range. */
  readonly exportName: string | null;
  /** The named export's run number, from 1; null for a one-off range. */
  readonly run: number | null;
  /** Exclusive: the run holds the events after this position… */
  readonly fromPosition: string;
  /** …up to this one, inclusive. */
  readonly toPosition: string;
  readonly events: number;
  readonly postings: number;
}

/** Snapshots of the views, taken in one read. */
export interface ViewsManifest extends ManifestBase {
  readonly kind: 'views';
  /** The log position each view's projector had applied when the snapshot was read. */
  readonly positions: Readonly<Record<string, string>>;
  /** Rows per view. */
  readonly rows: Readonly<Record<string, number>>;
}

export type ExportManifest = EventsManifest | ViewsManifest;

const part = (token: string): string => token.replace('.', '_');

export function eventsManifestName(
  manifest: Pick<EventsManifest, 'exportName' | 'run' | 'fromPosition' | 'toPosition'>,
): string {
  if (manifest.exportName !== null && manifest.run !== null) {
    return `${manifest.exportName}.run-${String(manifest.run).padStart(8, '0')}.json`;
  }
  return `range.${part(manifest.fromPosition)}-${part(manifest.toPosition)}.json`;
}

export const viewsManifestName = (snapshot: string): string => `views.${snapshot}.json`;
