import { mkdir, rm, rmdir } from 'node:fs/promises';
import { join } from 'node:path';
import { type StagedFile } from './duckdb-staging.js';
import { ExportDiskFullError, isDiskFull } from './export.errors.js';
import { publish, stagingDirectory, writeManifest } from './export-files.js';
import { type ExportManifest, type ManifestFile } from './export-manifest.js';

export interface StagedRun {
  readonly files: readonly StagedFile[];
}

/**
 * One run's files made visible all at once: staged in a folder of the run's own, then
 * checksummed and renamed into place, and the manifest written last. On any failure the
 * files this run placed are removed again, so a failed run leaves nothing behind (a
 * killed one leaves files no manifest lists, which the next run in the directory sweeps).
 */
export async function publishRun<S extends StagedRun, M extends ExportManifest>(
  directory: string,
  stage: (staging: string) => Promise<S>,
  complete: (staged: S, files: ManifestFile[]) => { name: string; manifest: M },
): Promise<M> {
  const staging = join(stagingDirectory(directory), `run-${process.pid}`);
  const placed: string[] = [];
  try {
    await mkdir(staging, { recursive: true });
    const staged = await stage(staging);
    const entries: ManifestFile[] = [];
    for (const file of staged.files) {
      const { entry, placed: ours } = await publish(directory, file);
      if (ours) placed.push(join(directory, entry.path));
      entries.push(entry);
    }
    const { name, manifest } = complete(staged, entries);
    await writeManifest(directory, name, manifest);
    return manifest;
  } catch (error) {
    await Promise.all(placed.map((path) => rm(path, { force: true })));
    throw isDiskFull(error) ? new ExportDiskFullError(directory) : error;
  } finally {
    await rm(staging, { recursive: true, force: true });
    // Left when another run stages there too (ENOTEMPTY): silence is right, it is theirs.
    await rmdir(stagingDirectory(directory)).catch(() => undefined);
  }
}
