import { Inject, Injectable, Logger, type OnModuleDestroy, Optional } from '@nestjs/common';
import pg from 'pg';
import { DATABASE_POOL } from '../../infrastructure/database/database.tokens.js';
import {
  type Position,
  START,
  comparePositions,
} from '../../infrastructure/event-store/position.js';
import { WakeSignal } from '../../infrastructure/event-store/wake-signal.js';
import { type ConsistencyReport } from '../../infrastructure/graphql/consistency-extension.js';
import { ProjectionStatusRepository } from '../repositories/projection-status.repository.js';

/** The channel projectors NOTIFY (payload: the projection's name) after each batch commits. */
export const CHECKPOINT_CHANNEL = 'ledger_checkpoints';

export const DEFAULT_WAIT_TIMEOUT_MS = 5_000;
export const MAX_WAIT_TIMEOUT_MS = 30_000;
/** Beyond this many concurrent waits, new ones answer at once (stale if behind). */
const MAX_WAITERS = 10_000;

export interface ConsistencyOptions {
  /** How often waiters re-read the checkpoints without a notification, in case one was lost. */
  readonly fallbackRecheckMs?: number;
  /** First delay before the LISTEN connection is re-opened; doubles up to maxReconnectDelayMs. */
  readonly minReconnectDelayMs?: number;
  readonly maxReconnectDelayMs?: number;
}

export const CONSISTENCY_OPTIONS = Symbol('CONSISTENCY_OPTIONS');

/** A read that the views reflect `atLeast` before it runs, waiting at most timeoutMs. */
export interface ReadConsistency {
  readonly atLeast?: Position | undefined;
  readonly timeoutMs?: number | undefined;
}

export interface Consistent<T> {
  readonly value: T;
  readonly consistency: ConsistencyReport;
}

/** Clamps a caller's timeout into [0, MAX_WAIT_TIMEOUT_MS]; undefined means the default. */
export function boundedTimeoutMs(timeoutMs: number | undefined): number {
  if (timeoutMs === undefined || !Number.isFinite(timeoutMs)) return DEFAULT_WAIT_TIMEOUT_MS;
  return Math.min(Math.max(0, Math.floor(timeoutMs)), MAX_WAIT_TIMEOUT_MS);
}

function minimumPosition(
  projections: readonly string[],
  checkpoints: ReadonlyMap<string, Position>,
): Position {
  let minimum: Position | undefined;
  for (const name of projections) {
    // No row yet: the projector has applied nothing.
    const position = checkpoints.get(name) ?? START;
    if (minimum === undefined || comparePositions(position, minimum) < 0) minimum = position;
  }
  return minimum ?? START;
}

/** The checkpoints as one read found them, and the wake generation when that read started. */
interface CheckpointSnapshot {
  readonly generation: number;
  readonly checkpoints: ReadonlyMap<string, Position>;
}

interface CheckpointRead {
  readonly generation: number;
  readonly result: Promise<CheckpointSnapshot>;
}

/**
 * Read-your-writes for the views. A query names the projections it reads and the
 * position it needs; this waits, bounded, until all of them have checkpointed at or past
 * it.
 *
 * Waiters sleep on one WakeSignal. It is bumped by a NOTIFY on `ledger_checkpoints`
 * (one dedicated LISTEN connection per process), by `checkpointAdvanced` from an
 * in-process projector, by a shared fallback tick while anybody waits (a notification
 * can be lost while the connection is down), and when the connection (re)opens. Every
 * wake leads to at most one shared re-read of the checkpoint table, however many wait:
 * a read that started after generation g reflects every checkpoint whose wake bumped the
 * generation to g or below, because a projector notifies only after its commit.
 */
@Injectable()
export class ConsistencyService implements OnModuleDestroy {
  private readonly logger = new Logger(ConsistencyService.name);
  private readonly signal = new WakeSignal();
  private closed = false;
  private readonly fallbackRecheckMs: number;
  private readonly minReconnectDelayMs: number;
  private readonly maxReconnectDelayMs: number;

  private inFlight: CheckpointRead | undefined;
  private queued: Promise<CheckpointSnapshot> | undefined;

  private waiters = 0;
  private fallbackTimer: NodeJS.Timeout | undefined;

  private listener: pg.Client | undefined;
  private connecting: Promise<void> | undefined;
  private reconnectTimer: NodeJS.Timeout | undefined;
  private reconnectDelayMs: number;

  constructor(
    private readonly checkpoints: ProjectionStatusRepository,
    @Inject(DATABASE_POOL) private readonly pool: pg.Pool,
    @Optional() @Inject(CONSISTENCY_OPTIONS) options: ConsistencyOptions = {},
  ) {
    this.fallbackRecheckMs = options.fallbackRecheckMs ?? 500;
    this.minReconnectDelayMs = options.minReconnectDelayMs ?? 100;
    this.maxReconnectDelayMs = options.maxReconnectDelayMs ?? 5_000;
    this.reconnectDelayMs = this.minReconnectDelayMs;
  }

  /** Called by an in-process projector after it commits a batch: waiters look again now. */
  checkpointAdvanced(_projection: string): void {
    // Any projection's advance wakes everyone: the re-read is shared, and filtering by
    // name would need waiters registered before their first read to be safe.
    this.signal.wake();
  }

  /**
   * Waits until every one of `projections` has applied `atLeast` (no wait without it), for
   * at most `timeoutMs` (clamped to MAX_WAIT_TIMEOUT_MS; undefined: the default). Answers
   * the lowest checkpoint among them, and `stale` when that is still short of `atLeast`.
   */
  async waitFor(
    projections: readonly string[],
    atLeast: Position | undefined,
    timeoutMs: number | undefined,
  ): Promise<ConsistencyReport> {
    if (projections.length === 0) throw new Error('waitFor needs at least one projection');
    const first = await this.readCheckpoints(0);
    let position = minimumPosition(projections, first.checkpoints);
    if (atLeast === undefined || comparePositions(position, atLeast) >= 0) {
      return { position, stale: false };
    }
    const waitMs = boundedTimeoutMs(timeoutMs);
    if (waitMs === 0 || this.waiters >= MAX_WAITERS || this.closed) {
      return { position, stale: true };
    }
    const deadline = Date.now() + waitMs;
    this.startWaiting();
    try {
      let seen = first.generation;
      for (;;) {
        const remainingMs = deadline - Date.now();
        if (remainingMs <= 0 || this.closed) return { position, stale: true };
        await this.signal.wait(seen, remainingMs);
        if (this.closed || this.signal.current === seen) continue; // answered above
        let next: CheckpointSnapshot;
        try {
          next = await this.readCheckpoints(seen + 1);
        } catch (error) {
          // The view read would likely fail too, but the next wake (at worst the fallback
          // tick) may find the database back before the deadline.
          this.logger.warn(`Checkpoint re-read failed: ${String(error)}`);
          seen = this.signal.current;
          continue;
        }
        seen = next.generation;
        position = minimumPosition(projections, next.checkpoints);
        if (comparePositions(position, atLeast) >= 0) return { position, stale: false };
      }
    } finally {
      this.stopWaiting();
    }
  }

  /** Waits as `consistency` asks, then reads: the value reflects at least the reported position. */
  async read<T>(
    projections: readonly string[],
    consistency: ReadConsistency,
    read: () => Promise<T>,
  ): Promise<Consistent<T>> {
    const report = await this.waitFor(projections, consistency.atLeast, consistency.timeoutMs);
    return { value: await read(), consistency: report };
  }

  async onModuleDestroy(): Promise<void> {
    this.closed = true;
    // Waiters see `closed` and answer with what they have.
    this.signal.wake();
    clearInterval(this.fallbackTimer);
    clearTimeout(this.reconnectTimer);
    const listener = this.listener;
    this.listener = undefined;
    await listener?.end().catch(() => undefined);
    await this.connecting;
  }

  /**
   * A read of the checkpoint table that started at wake generation `minGeneration` or later.
   * Callers share the read in flight when it is recent enough, else one queued read behind
   * it: however many wait, at most two reads run back to back.
   */
  private readCheckpoints(minGeneration: number): Promise<CheckpointSnapshot> {
    const current = this.inFlight;
    if (current !== undefined && current.generation >= minGeneration) return current.result;
    if (current === undefined) return this.startRead().result;
    this.queued ??= current.result
      .catch(() => undefined)
      .then(() => {
        this.queued = undefined;
        // Any read in flight now started after everyone queued here asked.
        return (this.inFlight ?? this.startRead()).result;
      });
    return this.queued;
  }

  private startRead(): CheckpointRead {
    const generation = this.signal.current;
    const result = this.checkpoints
      .positions()
      .then((checkpoints) => ({ generation, checkpoints }))
      .finally(() => {
        if (this.inFlight?.result === result) this.inFlight = undefined;
      });
    const read = { generation, result };
    this.inFlight = read;
    return read;
  }

  private startWaiting(): void {
    this.waiters++;
    this.ensureListening();
    if (this.fallbackTimer === undefined) {
      this.fallbackTimer = setInterval(() => this.signal.wake(), this.fallbackRecheckMs);
      this.fallbackTimer.unref();
    }
  }

  private stopWaiting(): void {
    this.waiters--;
    if (this.waiters === 0) {
      clearInterval(this.fallbackTimer);
      this.fallbackTimer = undefined;
    }
  }

  /**
   * Opens the LISTEN connection on first need and keeps it (after a loss it is re-opened,
   * with backoff, while anybody waits). Not awaited by waiters: until it is up they run on
   * the fallback tick, and its opening wakes them to re-read, which covers any
   * notification sent before LISTEN took effect.
   */
  private ensureListening(): void {
    if (this.listener !== undefined || this.connecting !== undefined) return;
    if (this.closed || this.reconnectTimer !== undefined) return;
    this.connecting = this.connect()
      .catch((error: unknown) => {
        this.logger.warn(`Checkpoint LISTEN connection not opened: ${String(error)}`);
      })
      .finally(() => {
        this.connecting = undefined;
      });
  }

  private async connect(): Promise<void> {
    // The pool's own connection options (server, credentials, timeouts); keepAlive so a
    // dead peer is noticed on an otherwise silent connection.
    const client = new pg.Client({
      ...this.pool.options,
      keepAlive: true,
      application_name: 'ledger-consistency-listener',
    });
    // Taken as the listener before it opens, so that a failure at any point is `lost`.
    this.listener = client;
    client.on('error', (error) => this.lost(client, error));
    client.on('end', () => this.lost(client, new Error('connection ended')));
    client.on('notification', (message) => {
      if (message.channel === CHECKPOINT_CHANNEL) this.signal.wake();
    });
    try {
      await client.connect();
      await client.query(`LISTEN ${CHECKPOINT_CHANNEL}`);
    } catch (error) {
      this.lost(client, error);
      return;
    }
    if (this.listener !== client) return; // lost or shut down while it opened
    this.reconnectDelayMs = this.minReconnectDelayMs;
    // Checkpoints may have moved while nobody listened.
    this.signal.wake();
  }

  private lost(client: pg.Client, error: unknown): void {
    if (this.listener !== client) return;
    this.listener = undefined;
    this.logger.warn(`Checkpoint LISTEN connection lost: ${String(error)}`);
    void client.end().catch(() => undefined);
    // Notifications sent meanwhile are gone: waiters re-read now and on the fallback tick.
    this.signal.wake();
    this.scheduleReconnect();
  }

  private scheduleReconnect(): void {
    if (this.closed || this.reconnectTimer !== undefined) return;
    const delayMs = this.reconnectDelayMs;
    this.reconnectDelayMs = Math.min(this.reconnectDelayMs * 2, this.maxReconnectDelayMs);
    this.reconnectTimer = setTimeout(() => {
      this.reconnectTimer = undefined;
      // Nobody waiting: the next waiter opens it.
      if (this.waiters > 0) this.ensureListening();
    }, delayMs);
    this.reconnectTimer.unref();
  }
}
