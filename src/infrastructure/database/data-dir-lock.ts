import { mkdir, open, readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';

export class DataDirInUseError extends Error {
  constructor(dataDir: string, pid: number) {
    super(
      `The Ledger data directory ${dataDir} is in use by another running instance (pid ${pid}). ` +
        'Stop that instance, or point LEDGER_DATA_DIR (or DATABASE_URL) elsewhere.',
    );
  }
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: the process exists but belongs to someone else.
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

async function readPid(path: string): Promise<number | undefined> {
  const text = await readFile(path, 'utf8').catch(() => '');
  const pid = Number.parseInt(text.split('\n')[0] ?? '', 10);
  return Number.isSafeInteger(pid) && pid > 0 ? pid : undefined;
}

export interface DataDirLock {
  /** True when the previous holder died without releasing the directory. */
  readonly recoveredFromCrash: boolean;
  release(): Promise<void>;
}

/**
 * One Ledger instance per data directory. An exclusive-create lock file holds our pid;
 * a lock left by a dead process is taken over.
 */
export async function lockDataDir(dataDir: string): Promise<DataDirLock> {
  await mkdir(dataDir, { recursive: true });
  const path = join(dataDir, 'ledger.lock');
  let recoveredFromCrash = false;
  for (let attempt = 0; attempt < 3; attempt++) {
    try {
      const handle = await open(path, 'wx');
      await handle.writeFile(`${process.pid}\n`);
      await handle.close();
      return {
        recoveredFromCrash,
        release: () => rm(path, { force: true }),
      };
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      const holder = await readPid(path);
      if (holder !== undefined && isAlive(holder)) {
        throw new DataDirInUseError(dataDir, holder);
      }
      recoveredFromCrash = true;
      await rm(path, { force: true });
    }
  }
  throw new Error(`Could not lock the Ledger data directory ${dataDir}`);
}

/** The pid in a PostgreSQL data directory's postmaster.pid, if that process still runs. */
export async function runningPostmaster(pgDataDir: string): Promise<number | undefined> {
  const pid = await readPid(join(pgDataDir, 'postmaster.pid'));
  return pid !== undefined && isAlive(pid) ? pid : undefined;
}
