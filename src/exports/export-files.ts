import { createHash, randomUUID } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { mkdir, readFile, readdir, rename, rm, stat, unlink, writeFile } from 'node:fs/promises';
import { dirname, join, relative, sep } from 'node:path';
import { ExportDirectoryUnwritableError } from './export.errors.js';
import { EVENT_DATASETS } from './export-datasets.js';
import { type ExportManifest, MANIFESTS_FOLDER, type ManifestFile } from './export-manifest.js';
import { type StagedFile } from './duckdb-staging.js';

/** Where a run stages its files (and DuckDB spills) before they are renamed into place. */
export const STAGING_FOLDER = '.staging';
/** Snapshots of the views, one folder per view. */
export const VIEWS_FOLDER = 'views';

/** Makes the directory and proves it writable, before anything is read or written. */
export async function ensureWritable(directory: string): Promise<void> {
  // Unique per call: two runs of one process may check the same directory at once.
  const probe = join(directory, `.write-probe-${process.pid}-${randomUUID()}`);
  try {
    await mkdir(directory, { recursive: true });
    await writeFile(probe, '');
    await unlink(probe);
  } catch (error) {
    const reason = (error as NodeJS.ErrnoException).code ?? (error as Error).message;
    throw new ExportDirectoryUnwritableError(directory, reason);
  }
}

export function stagingDirectory(directory: string): string {
  return join(directory, STAGING_FOLDER);
}

async function sha256Of(path: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(path)) hash.update(chunk as Buffer);
  return hash.digest('hex');
}

/**
 * `<dataset>/date=<day>/<dataset>-<segment>.<ext>`: Hive-style, one file per day and
 * segment; a view's snapshot `views/<view>/<view>-<snapshot>.<ext>`.
 */
export function finalPathOf(directory: string, file: StagedFile): string {
  return file.date === null
    ? join(directory, VIEWS_FOLDER, file.dataset, file.fileName)
    : join(directory, file.dataset, `date=${file.date}`, file.fileName);
}

const posix = (path: string): string => path.split(sep).join('/');

/** Checksums a staged file and renames it into place; answers whether it was already there. */
export async function publish(
  directory: string,
  file: StagedFile,
): Promise<{ entry: ManifestFile; placed: boolean }> {
  const target = finalPathOf(directory, file);
  const [sha256, { size }] = await Promise.all([sha256Of(file.path), stat(file.path)]);
  const entry: ManifestFile = {
    path: posix(relative(directory, target)),
    dataset: file.dataset,
    date: file.date,
    rows: file.rows,
    bytes: size,
    sha256,
  };
  // The same range always gives the same bytes: a file already in place (a one-off range
  // an incremental run wrote before) stays, and is not this run's to remove on failure.
  if ((await sha256Of(target).catch(() => undefined)) === sha256) return { entry, placed: false };
  await mkdir(dirname(target), { recursive: true });
  await rename(file.path, target);
  return { entry, placed: true };
}

/** Written under a temporary name and renamed: a reader sees the whole manifest or none. */
export async function writeManifest(
  directory: string,
  name: string,
  manifest: ExportManifest,
): Promise<void> {
  const folder = join(directory, MANIFESTS_FOLDER);
  await mkdir(folder, { recursive: true });
  const temporary = join(folder, `.${name}.tmp`);
  try {
    await writeFile(temporary, `${JSON.stringify(manifest, null, 2)}\n`);
    await rename(temporary, join(folder, name));
  } catch (error) {
    await rm(temporary, { force: true });
    throw error;
  }
}

export async function readManifests(
  directory: string,
): Promise<{ name: string; manifest: ExportManifest }[]> {
  const folder = join(directory, MANIFESTS_FOLDER);
  const names = (await readdir(folder).catch(() => [] as string[]))
    .filter((n) => n.endsWith('.json'))
    .sort();
  return Promise.all(
    names.map(async (name) => ({
      name,
      manifest: JSON.parse(await readFile(join(folder, name), 'utf8')) as ExportManifest,
    })),
  );
}

/**
 * Removes what no manifest lists: files a killed run renamed into place before its
 * manifest, and its staging folder. A reader that goes by the manifests never saw them.
 */
export async function sweepUnlisted(
  directory: string,
  manifests: readonly { files: readonly ManifestFile[] }[],
): Promise<void> {
  await rm(stagingDirectory(directory), { recursive: true, force: true });
  const listed = new Set(manifests.flatMap((m) => m.files.map((f) => f.path)));
  for (const root of [...EVENT_DATASETS.map((d) => d.name), VIEWS_FOLDER]) {
    const entries = await readdir(join(directory, root), {
      recursive: true,
      withFileTypes: true,
    }).catch(() => []);
    for (const entry of entries) {
      const path = join(entry.parentPath, entry.name);
      if (entry.isFile() && !listed.has(posix(relative(directory, path))))
        await rm(path, { force: true });
    }
  }
}
