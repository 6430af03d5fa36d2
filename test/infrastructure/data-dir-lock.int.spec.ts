import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  DataDirInUseError,
  LOCK_FILE,
  liveLockHolder,
  lockDataDir,
} from '../../src/infrastructure/database/data-dir-lock.js';

/** A live process that is not a Ledger: it holds no data directory. */
async function bystander(): Promise<ChildProcess> {
  const child = spawn(process.execPath, ['-e', 'setTimeout(() => {}, 60_000)'], {
    stdio: 'ignore',
  });
  await once(child, 'spawn');
  return child;
}

/** Another process that takes the lock, as a second Ledger would. */
async function otherHolder(dataDir: string): Promise<ChildProcess> {
  const script = `
    const { lockDataDir } = await import(${JSON.stringify(
      join(process.cwd(), 'src/infrastructure/database/data-dir-lock.ts'),
    )});
    await lockDataDir(process.argv[1]);
    console.log('LOCKED');
    setTimeout(() => {}, 60_000);
  `;
  const child = spawn(
    process.execPath,
    ['--import', 'tsx', '--input-type=module', '-e', script, dataDir],
    { stdio: ['ignore', 'pipe', 'inherit'] },
  );
  await new Promise<void>((resolve, reject) => {
    child.stdout!.on('data', (chunk: Buffer) => chunk.toString().includes('LOCKED') && resolve());
    child.once('exit', (code) => reject(new Error(`holder exited with ${code}`)));
  });
  return child;
}

describe('the data directory lock', () => {
  let dataDir: string;
  const children: ChildProcess[] = [];
  beforeEach(async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'ledger-lock-'));
  });
  afterEach(async () => {
    for (const child of children.splice(0)) child.kill('SIGKILL');
    await rm(dataDir, { recursive: true, force: true });
  });

  // Regression: in a container the app is pid 1 at every start, so the lock of the
  // previous, crashed run named this very process and the app refused to start.
  it("takes over a lock that names this process's pid but was not taken by it", async () => {
    await writeFile(join(dataDir, LOCK_FILE), `${process.pid}\n`);
    expect(await liveLockHolder(dataDir)).toBeUndefined();
    const lock = await lockDataDir(dataDir);
    expect(lock.recoveredFromCrash).toBe(true);
    await lock.release();
  });

  it('takes over a lock whose pid now belongs to a process that is not its holder', async () => {
    const other = await bystander();
    children.push(other);
    // The pid is alive, but it started at another time than the one the lock recorded.
    await writeFile(join(dataDir, LOCK_FILE), `${other.pid}\n1\n`);
    const lock = await lockDataDir(dataDir);
    expect(lock.recoveredFromCrash).toBe(true);
    expect((await readFile(join(dataDir, LOCK_FILE), 'utf8')).split('\n')[0]).toBe(
      String(process.pid),
    );
    await lock.release();
  });

  it('refuses while another live process holds it', async () => {
    const holder = await otherHolder(dataDir);
    children.push(holder);
    expect(await liveLockHolder(dataDir)).toBe(holder.pid);
    const error = await lockDataDir(dataDir).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(DataDirInUseError);
    expect((error as Error).message).toContain(`(pid ${holder.pid})`);
  });

  it('refuses a second lock in the same process while the first is held', async () => {
    const lock = await lockDataDir(dataDir);
    expect(await liveLockHolder(dataDir)).toBe(process.pid);
    await expect(lockDataDir(dataDir)).rejects.toBeInstanceOf(DataDirInUseError);
    await lock.release();
    expect(await liveLockHolder(dataDir)).toBeUndefined();
  });

  it('takes over the lock of a process that has exited', async () => {
    const holder = await otherHolder(dataDir);
    holder.kill('SIGKILL');
    await once(holder, 'exit');
    const lock = await lockDataDir(dataDir);
    expect(lock.recoveredFromCrash).toBe(true);
    await lock.release();
  });
});
