import { type ChildProcess, spawn } from 'node:child_process';
import { closeSync, openSync, readSync, statSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';

/**
 * The app in a child process: started, waited for until `/health/ready` answers, stopped
 * or killed. Shared by the packaging test and the crash soak (the built app, as the
 * container image runs it), the multi-process tests (the sources, through tsx) and the
 * observability bench (which counts what the app logs).
 */

const READY_POLL_MS = 200;
const PROBE_TIMEOUT_MS = 2_000;
/** The tail of the app's output kept for an error message or a test's look. */
const OUTPUT_TAIL_CHARS = 20_000;

/** Whether `url` answers 2xx within the probe's timeout. */
export async function answersOk(url: string): Promise<boolean> {
  try {
    const response = await fetch(url, { signal: AbortSignal.timeout(PROBE_TIMEOUT_MS) });
    await response.body?.cancel();
    return response.ok;
  } catch {
    // Not listening (yet, or any more): the answer is no.
    return false;
  }
}

export interface ExitOf {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
}

export interface AppProcessOptions {
  /** The folder holding dist/, node_modules and package.json. */
  readonly cwd: string;
  /** The app's whole environment (PATH and HOME are added from this process's). */
  readonly env: NodeJS.ProcessEnv;
  readonly port: number;
  /** The command, as the image's CMD: `node dist/src/main.js` by default. */
  readonly argv?: readonly string[];
  /**
   * Standard output straight into this file (created or truncated) instead of a pipe this
   * process reads: as a container runtime keeps a container's log, so that reading the
   * app's output costs this process nothing (the observability bench's load generator
   * shares its event loop).
   */
  readonly stdoutFile?: string;
}

/** The last `chars` characters (as bytes) of a file, or nothing if it cannot be read. */
function fileTail(path: string, chars: number): string {
  try {
    const size = statSync(path).size;
    const length = Math.min(size, chars);
    const buffer = Buffer.alloc(length);
    const fd = openSync(path, 'r');
    try {
      readSync(fd, buffer, 0, length, size - length);
    } finally {
      closeSync(fd);
    }
    return buffer.toString();
  } catch {
    return '';
  }
}

export class AppProcess {
  private output = '';
  private readonly bytes = { stdout: 0, stderr: 0 };
  readonly exited: Promise<ExitOf>;

  private constructor(
    readonly child: ChildProcess,
    readonly baseUrl: string,
    private readonly stdoutFile: string | undefined,
  ) {
    const keep = (stream: 'stdout' | 'stderr', chunk: Buffer): void => {
      this.bytes[stream] += chunk.length;
      this.output = (this.output + chunk.toString()).slice(-OUTPUT_TAIL_CHARS);
    };
    child.stdout?.on('data', (chunk: Buffer) => keep('stdout', chunk));
    child.stderr!.on('data', (chunk: Buffer) => keep('stderr', chunk));
    this.exited = new Promise((resolve) =>
      child.once('exit', (code, signal) => resolve({ code, signal })),
    );
  }

  static start(options: AppProcessOptions): AppProcess {
    const [command, ...args] = options.argv ?? [process.execPath, 'dist/src/main.js'];
    const stdoutFd =
      options.stdoutFile === undefined ? undefined : openSync(options.stdoutFile, 'w');
    try {
      const child = spawn(command!, args, {
        cwd: options.cwd,
        env: { PATH: process.env['PATH'], HOME: process.env['HOME'], ...options.env },
        stdio: ['ignore', stdoutFd ?? 'pipe', 'pipe'],
      });
      return new AppProcess(child, `http://127.0.0.1:${options.port}`, options.stdoutFile);
    } finally {
      // The child holds its own copy of the descriptor.
      if (stdoutFd !== undefined) closeSync(stdoutFd);
    }
  }

  get running(): boolean {
    return this.child.exitCode === null && this.child.signalCode === null;
  }

  /** The last lines the app printed (stdout and stderr together). */
  get recentOutput(): string {
    if (this.stdoutFile === undefined) return this.output;
    return `${fileTail(this.stdoutFile, OUTPUT_TAIL_CHARS)}${this.output}`;
  }

  /** How much the app has written, stream by stream (its logs' bytes). */
  get outputBytes(): { readonly stdout: number; readonly stderr: number } {
    if (this.stdoutFile === undefined) return { ...this.bytes };
    let stdout = 0;
    try {
      stdout = statSync(this.stdoutFile).size;
    } catch {
      // Not there (any more): nothing counted.
    }
    return { stdout, stderr: this.bytes.stderr };
  }

  /** Waits (at most `timeoutMs`) until `/health/ready` answers 200; throws if the app exits. */
  async waitReady(timeoutMs: number): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline) {
      if (!this.running) throw new Error(`the app exited while starting:\n${this.recentOutput}`);
      if (await answersOk(`${this.baseUrl}/health/ready`)) return;
      await sleep(READY_POLL_MS);
    }
    throw new Error(`the app was not ready within ${timeoutMs} ms:\n${this.recentOutput}`);
  }

  /** Sends `signal` unless it has exited; resolves with how it exited. */
  kill(signal: NodeJS.Signals): Promise<ExitOf> {
    if (this.running) this.child.kill(signal);
    return this.exited;
  }

  /** Sends `signal` (unless it has exited) and waits for the exit, at most `timeoutMs`. */
  async stop(signal: NodeJS.Signals, timeoutMs: number): Promise<ExitOf> {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(
        () => reject(new Error(`the app did not exit within ${timeoutMs} ms of ${signal}`)),
        timeoutMs,
      );
    });
    try {
      return await Promise.race([this.kill(signal), timeout]);
    } finally {
      clearTimeout(timer);
    }
  }
}
