import pg from 'pg';
import { describeError } from '../../shared/error-logging.js';
import { pause } from '../resilience/backoff.js';
import { BackgroundLoop } from '../resilience/background-loop.js';

/** What runs only while this process leads its group. */
export interface ElectedWork {
  start(): void;
  /** Stops the work after its batch or turn under way; resolves once it has. */
  stop(): Promise<void>;
}

export interface LeaderTimings {
  /** How often the leader proves its session alive (`SELECT 1`). */
  readonly heartbeatMs: number;
  /** Bound on one heartbeat: longer, and the session is taken for lost. */
  readonly heartbeatTimeoutMs: number;
  /** A standby tries the lock about this often (jittered by half either way). */
  readonly retryMs: number;
  /**
   * The server ends a session idle this long (idle_session_timeout), releasing its lock:
   * a leader cut off from the server, or frozen, is deposed within this bound.
   */
  readonly sessionIdleTimeoutMs: number;
}

export const DEFAULT_LEADER_TIMINGS: LeaderTimings = {
  heartbeatMs: 1_000,
  heartbeatTimeoutMs: 2_000,
  retryMs: 1_500,
  sessionIdleTimeoutMs: 10_000,
};

const TRY_LOCK_SQL = 'SELECT pg_try_advisory_lock(hashtext($1::text)) AS locked';
/** Servers before PostgreSQL 14 have no idle_session_timeout: they go on without it. */
const UNDEFINED_PARAMETER = '42704';

/**
 * One leader per `lockName` among every process on the database: a session-level
 * advisory lock held on a connection of the election's own (not a pool's, whose
 * connections come and go). The leader runs `work` and proves its session alive every
 * heartbeat; when a heartbeat fails or the session drops, the work is stopped at once
 * and the process stands by again. Standbys try the lock every `retryMs` (jittered),
 * so one takes over within about that long once the leader's session has ended, which
 * the server notices at once when the leader's process dies, and within
 * `sessionIdleTimeoutMs` when it is cut off. The election only saves work: what the work
 * writes stays guarded by its own row locks, so a deposed leader's last batch cannot be
 * applied twice.
 */
export class LeaderElection {
  private readonly loop: BackgroundLoop;
  private leadingNow = false;

  constructor(
    readonly lockName: string,
    private readonly connection: pg.ClientConfig,
    private readonly work: ElectedWork,
    private readonly timings: LeaderTimings = DEFAULT_LEADER_TIMINGS,
    private readonly log: (message: string) => void = () => undefined,
  ) {
    this.loop = new BackgroundLoop(
      (signal) => this.contend(signal),
      (error) => log(`${lockName}: ${describeError(error)}; standing by`),
    );
  }

  get leading(): boolean {
    return this.leadingNow;
  }

  /** Whether it was started and not stopped: leading or standing by. */
  get contending(): boolean {
    return this.loop.running;
  }

  start(): void {
    this.loop.start();
  }

  /** Stops the work if leading, and ends the session, which releases the lock. */
  stop(): Promise<void> {
    return this.loop.stop();
  }

  /** One session: stands by, leads when the lock is free, ends when the session is lost. */
  private async contend(signal: AbortSignal): Promise<boolean> {
    const session = new pg.Client({ ...this.connection, application_name: 'ledger-leader' });
    const lost = new Promise<string>((resolve) => {
      session.on('error', (error) => resolve(describeError(error)));
      session.on('end', () => resolve('the session ended'));
    });
    try {
      await session.connect();
      await this.boundIdleSession(session);
      while (!signal.aborted) {
        const { rows } = await session.query<{ locked: boolean }>(TRY_LOCK_SQL, [this.lockName]);
        if (rows[0]?.locked === true) {
          await this.lead(session, lost, signal);
          // A standby tries within 1.5 retries: it goes first, rather than a leader whose
          // session just failed taking the lock straight back.
          await pause(2 * this.timings.retryMs, signal);
          return true;
        }
        await pause(this.jittered(this.timings.retryMs), signal);
      }
      return false;
    } finally {
      // Closing the session releases the lock, however the pass ended.
      await session.end().catch(() => undefined);
    }
  }

  private async boundIdleSession(session: pg.Client): Promise<void> {
    try {
      await session.query("SELECT set_config('idle_session_timeout', $1, false)", [
        `${this.timings.sessionIdleTimeoutMs}ms`,
      ]);
    } catch (error) {
      if ((error as { code?: string }).code !== UNDEFINED_PARAMETER) throw error;
    }
  }

  private async lead(
    session: pg.Client,
    lost: Promise<string>,
    signal: AbortSignal,
  ): Promise<void> {
    this.leadingNow = true;
    this.log(`${this.lockName}: leading`);
    this.work.start();
    try {
      const reason = await this.heartbeat(session, lost, signal);
      if (reason !== undefined)
        this.log(`${this.lockName}: lost the lead (${reason}); standing by`);
    } finally {
      await this.work.stop();
      this.leadingNow = false;
    }
  }

  /** Beats until the session is lost (the reason) or the election is stopped (undefined). */
  private async heartbeat(
    session: pg.Client,
    lost: Promise<string>,
    signal: AbortSignal,
  ): Promise<string | undefined> {
    const stopped = new Promise<undefined>((resolve) => {
      if (signal.aborted) resolve(undefined);
      signal.addEventListener('abort', () => resolve(undefined), { once: true });
    });
    while (!signal.aborted) {
      const beat = this.beat(session);
      const outcome = await Promise.race([beat, lost, stopped]);
      if (outcome !== 'alive') return outcome;
      const rest = Promise.race([pause(this.timings.heartbeatMs, signal), lost, stopped]);
      const after = await rest;
      if (typeof after === 'string') return after;
    }
    return undefined;
  }

  /** `alive`, or why the session is taken for lost. */
  private async beat(session: pg.Client): Promise<string> {
    let timer: NodeJS.Timeout | undefined;
    const late = new Promise<string>((resolve) => {
      timer = setTimeout(
        () => resolve(`no heartbeat within ${this.timings.heartbeatTimeoutMs} ms`),
        this.timings.heartbeatTimeoutMs,
      );
    });
    try {
      const answered = session.query('SELECT 1').then(
        () => 'alive',
        (error: unknown) => `heartbeat failed: ${describeError(error)}`,
      );
      return await Promise.race([answered, late]);
    } finally {
      clearTimeout(timer);
    }
  }

  private jittered(ms: number): number {
    return Math.round(ms * (0.5 + Math.random()));
  }
}
