import { type ChildProcess, spawn } from 'node:child_process';
import { createServer } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';

/**
 * The built app (`node dist/src/main.js`, as the container image runs it) in a child
 * process: started, waited for until `/health/ready` answers, killed. Shared by the
 * packaging test and the crash soak.
 */

const READY_POLL_MS = 200;
const PROBE_TIMEOUT_MS = 2_000;
/** The tail of the app's output kept for an error message. */
const OUTPUT_TAIL_CHARS = 4_000;

/** A port of 127.0.0.1 that nothing listened on a moment ago. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address !== null ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

/** Whether `url` answers 2xx within the probe's timeout. */
export async function answersOk(url: string): Promise<boolean> {
  try {
    const response = await fetch(url, { signal: AbortSignal.timeout(PROBE_TIMEOUT_MS) });
    await response.body?.cancel();
    return response.ok;
  } catch {
    return false;
  }
}

export interface AppProcessOptions {
  /** The folder holding dist/, node_modules and package.json. */
  readonly cwd: string;
  /** The app's whole environment (PATH and HOME are added from this process's). */
  readonly env: NodeJS.ProcessEnv;
  readonly port: number;
  /** The command, as the image's CMD: `node dist/src/main.js` by default. */
  readonly argv?: readonly string[];
}

export class AppProcess {
  private output = '';
  readonly exited: Promise<void>;

  private constructor(
    readonly child: ChildProcess,
    readonly baseUrl: string,
  ) {
    const keep = (chunk: Buffer): void => {
      this.output = (this.output + chunk.toString()).slice(-OUTPUT_TAIL_CHARS);
    };
    child.stdout!.on('data', keep);
    child.stderr!.on('data', keep);
    this.exited = new Promise((resolve) => child.once('exit', () => resolve()));
  }

  static start(options: AppProcessOptions): AppProcess {
    const [command, ...args] = options.argv ?? [process.execPath, 'dist/src/main.js'];
    const child = spawn(command!, args, {
      cwd: options.cwd,
      env: { PATH: process.env['PATH'], HOME: process.env['HOME'], ...options.env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    return new AppProcess(child, `http://127.0.0.1:${options.port}`);
  }

  get running(): boolean {
    return this.child.exitCode === null && this.child.signalCode === null;
  }

  /** The last lines the app printed (stdout and stderr together). */
  get recentOutput(): string {
    return this.output;
  }

  /** Waits (at most `timeoutMs`) until `/health/ready` answers 200; throws if the app exits. */
  async waitReady(timeoutMs: number): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline) {
      if (!this.running) throw new Error(`the app exited while starting:\n${this.output}`);
      if (await answersOk(`${this.baseUrl}/health/ready`)) return;
      await sleep(READY_POLL_MS);
    }
    throw new Error(`the app was not ready within ${timeoutMs} ms:\n${this.output}`);
  }

  /** Sends `signal` (unless it has exited) and waits for the exit, at most `timeoutMs`. */
  async stop(signal: NodeJS.Signals, timeoutMs: number): Promise<void> {
    if (this.running) this.child.kill(signal);
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(
        () => reject(new Error(`the app did not exit within ${timeoutMs} ms of ${signal}`)),
        timeoutMs,
      );
    });
    try {
      await Promise.race([this.exited, timeout]);
    } finally {
      clearTimeout(timer);
    }
  }
}
