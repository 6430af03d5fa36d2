import { mkdir, open, readFile, rm } from 'node:fs/promises';
import { join, resolve } from 'node:path';

/** In a Ledger data directory while an instance holds it: `<pid>\n<process start time>\n`. */
export const LOCK_FILE = 'ledger.lock';

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

/**
 * When a process started, in clock ticks since boot (Linux): with the pid it names one
 * process, where a pid alone is reused (in a container the app is pid 1 at every start).
 * Undefined where /proc cannot tell.
 */
async function startTimeOf(pid: number): Promise<string | undefined> {
  return (await procStat(pid))?.startTime;
}

/** Command name and start time of a process, from /proc (Linux). */
async function procStat(
  pid: number,
): Promise<{ readonly command: string; readonly startTime: string | undefined } | undefined> {
  // No such process (or no /proc, off Linux): nothing to tell, and callers go by the pid.
  const stat = await readFile(`/proc/${pid}/stat`, 'utf8').catch(() => undefined);
  if (stat === undefined) return undefined;
  // The command name (field 2) is in parentheses and may hold spaces: count after it.
  const close = stat.lastIndexOf(')');
  const fields = stat.slice(close + 2).split(' ');
  return { command: stat.slice(stat.indexOf('(') + 1, close), startTime: fields[19] };
}

interface LockRecord {
  readonly pid: number;
  readonly startTime: string | undefined;
}

async function readRecord(path: string): Promise<LockRecord | undefined> {
  // Gone (released meanwhile) or unreadable: no record, as for an empty or half-written one.
  const [pidLine, startLine] = (await readFile(path, 'utf8').catch(() => '')).split('\n');
  const pid = Number.parseInt(pidLine ?? '', 10);
  if (!Number.isSafeInteger(pid) || pid <= 0) return undefined;
  return { pid, startTime: startLine?.trim() || undefined };
}

/** Data directories this process holds now. */
const heldHere = new Set<string>();

async function isLive(root: string, record: LockRecord): Promise<boolean> {
  // Our own pid in a lock we do not hold: an earlier life of this pid left it.
  if (record.pid === process.pid) return heldHere.has(root);
  if (!isAlive(record.pid)) return false;
  if (record.startTime === undefined) return true;
  const startTime = await startTimeOf(record.pid);
  return startTime === undefined || startTime === record.startTime;
}

/** The pid of the live process holding the data directory, if any. */
export async function liveLockHolder(dataDir: string): Promise<number | undefined> {
  const root = resolve(dataDir);
  const record = await readRecord(join(root, LOCK_FILE));
  return record !== undefined && (await isLive(root, record)) ? record.pid : undefined;
}

export interface DataDirLock {
  /** True when the previous holder died without releasing the directory. */
  readonly recoveredFromCrash: boolean;
  release(): Promise<void>;
}

/**
 * One Ledger instance per data directory. An exclusive-create lock file names this
 * process; a lock whose process is gone (or is another process by now) is taken over.
 */
export async function lockDataDir(dataDir: string): Promise<DataDirLock> {
  const root = resolve(dataDir);
  await mkdir(root, { recursive: true });
  const path = join(root, LOCK_FILE);
  let recoveredFromCrash = false;
  for (let attempt = 0; attempt < 3; attempt++) {
    try {
      const handle = await open(path, 'wx');
      await handle.writeFile(`${process.pid}\n${(await startTimeOf(process.pid)) ?? ''}\n`);
      await handle.close();
      heldHere.add(root);
      return {
        recoveredFromCrash,
        release: async () => {
          heldHere.delete(root);
          await rm(path, { force: true });
        },
      };
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      const holder = await liveLockHolder(root);
      if (holder !== undefined) throw new DataDirInUseError(root, holder);
      recoveredFromCrash = true;
      await rm(path, { force: true });
    }
  }
  throw new Error(`Could not lock the Ledger data directory ${root}`);
}

/**
 * The pid in a PostgreSQL data directory's postmaster.pid, if that process still runs and
 * is a PostgreSQL server (after a restart the pid may belong to anything else).
 */
export async function runningPostmaster(pgDataDir: string): Promise<number | undefined> {
  const pid = (await readRecord(join(pgDataDir, 'postmaster.pid')))?.pid;
  if (pid === undefined || !isAlive(pid)) return undefined;
  const stat = await procStat(pid);
  return stat === undefined || stat.command.startsWith('postgres') ? pid : undefined;
}
