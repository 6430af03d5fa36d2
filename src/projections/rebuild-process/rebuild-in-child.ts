import { type ChildProcess, fork } from 'node:child_process';
import { setPriority } from 'node:os';
import { fileURLToPath } from 'node:url';
import { type RebuildProgress, type RebuildReport } from '../engine/projection-rebuilder.js';
import { type RebuildMessage, type RebuildRequest } from './rebuild-request.js';

/**
 * The app's rebuilds run in a process of their own (rebuild-child.ts), at a lower
 * priority: a rebuild folds pages of thousands of events, and on the app's event loop
 * every page held the live path's commands, reads and projector batches behind it (at
 * 500 commands/s on two cores, a rebuild of six views over a 1M-event log took 12
 * minutes there, and the live path's checkpoint lag p99 went to 12.7 s). In its own
 * process the operating system gives it what the live path leaves.
 */

/** Run from the sources (the tests), the child is TypeScript too, loaded as they are. */
const FROM_SOURCES = import.meta.url.endsWith('.ts');
const CHILD = fileURLToPath(
  new URL(`./rebuild-child.${FROM_SOURCES ? 'ts' : 'js'}`, import.meta.url),
);

export interface ChildRebuildOptions {
  /** Niceness of the rebuild's process, 0 to 19. */
  readonly nice: number;
  readonly onProgress?: (progress: RebuildProgress) => void;
  readonly log: (message: string) => void;
}

/** A rebuild under way in its own process. */
export interface ChildRebuild {
  /** The rebuild's process. */
  readonly pid: number | undefined;
  readonly reports: Promise<RebuildReport[]>;
  /** Ends the process (the app is stopping); `reports` then rejects. */
  stop(): void;
}

function lowerPriority(child: ChildProcess, options: ChildRebuildOptions): void {
  if (options.nice === 0 || child.pid === undefined) return;
  try {
    setPriority(child.pid, options.nice);
  } catch (error) {
    options.log(`could not lower the rebuild's priority: ${String(error)}`);
  }
}

/** Starts the rebuild of `request.names` in a process of its own. */
export function rebuildInChild(
  request: RebuildRequest,
  options: ChildRebuildOptions,
): ChildRebuild {
  const child = fork(CHILD, [], {
    execArgv: FROM_SOURCES ? ['--import', 'tsx'] : [],
    // Positions are bigints: the channel clones rather than JSON-encodes.
    serialization: 'advanced',
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  lowerPriority(child, options);
  const reports = new Promise<RebuildReport[]>((resolve, reject) => {
    let ended: RebuildMessage | undefined;
    child.on('message', (message: RebuildMessage) => {
      if (message.type === 'progress') options.onProgress?.(message.progress);
      else if (message.type === 'log') options.log(message.message);
      else ended = message;
    });
    child.once('error', reject);
    child.once('exit', (code, signal) => {
      if (ended?.type === 'done') resolve(ended.reports);
      else if (ended?.type === 'failed') reject(new Error(ended.message));
      else
        reject(
          new Error(
            `the rebuild's process ended (${signal ?? `exit code ${code}`}) before it finished`,
          ),
        );
    });
  });
  child.send(request);
  return { pid: child.pid, reports, stop: () => void child.kill('SIGTERM') };
}
