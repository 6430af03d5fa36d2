import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';

/** The app's entry point, built: `dist/src/main.js` beside this file's `dist/bench/read-side`. */
const MAIN = fileURLToPath(new URL('../../src/main.js', import.meta.url));
const READY = /GraphQL API on/;
const START_TIMEOUT_MS = 60_000;

/**
 * A second instance of the app, as an operator runs the projectors apart from the API:
 * `main.js` with LEDGER_PROJECTIONS=on (and no saga), while the instance taking the
 * commands runs with LEDGER_PROJECTIONS=off. The projectors then have an event loop of
 * their own; readers in the API instance are woken by the checkpoint notifications.
 */
export class ProjectorProcess {
  private constructor(private readonly child: ChildProcess) {}

  static async start(databaseUrl: string): Promise<ProjectorProcess> {
    const child = spawn(process.execPath, [MAIN], {
      env: {
        ...process.env,
        DATABASE_URL: databaseUrl,
        PORT: '0',
        LEDGER_PROJECTIONS: 'on',
        LEDGER_SAGAS: 'off',
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    const ready = new Promise<void>((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new Error(`projector process not up in ${START_TIMEOUT_MS} ms: ${output}`)),
        START_TIMEOUT_MS,
      );
      const seen = (chunk: Buffer): void => {
        output += chunk.toString();
        if (READY.test(output)) {
          clearTimeout(timer);
          resolve();
        }
      };
      child.stdout?.on('data', seen);
      child.stderr?.on('data', seen);
      child.once('exit', (code) => {
        clearTimeout(timer);
        reject(new Error(`projector process exited with ${code}: ${output}`));
      });
    });
    await ready;
    return new ProjectorProcess(child);
  }

  async stop(): Promise<void> {
    if (this.child.exitCode !== null) return;
    const exited = once(this.child, 'exit');
    this.child.kill('SIGTERM');
    await exited;
  }
}
