import { Logger } from '@nestjs/common';
import pg from 'pg';
import { logSwallowed } from '../../shared/error-logging.js';

/** The channel projectors NOTIFY (payload: the projection's name) after each batch commits. */
export const CHECKPOINT_CHANNEL = 'ledger_checkpoints';

export interface CheckpointListenerOptions {
  /** First delay before the connection is re-opened after a loss; doubles up to the max. */
  readonly minReconnectDelayMs: number;
  readonly maxReconnectDelayMs: number;
  /**
   * Asked when a reconnect delay has passed: reconnect now, or leave it to the next
   * `open()` call. Lets an idle process stop dialling a database that is down.
   */
  readonly reconnectNow: () => boolean;
  /**
   * Called on every notification, when LISTEN takes effect (checkpoints may have moved
   * while nobody listened) and when the connection is lost (notifications sent meanwhile
   * are gone). Whoever caches checkpoints must drop what it read before the call.
   */
  readonly onChange: () => void;
}

/**
 * The process's one LISTEN connection on `ledger_checkpoints`, opened on first need and
 * re-opened with backoff after a loss.
 *
 * `listening` is true from the moment LISTEN took effect until the loss is noticed, and
 * both edges call `onChange`: while it is true, every checkpoint committed anywhere (a
 * projector NOTIFYs in the batch's own transaction) reaches `onChange`. A loss that goes
 * unnoticed for a while (a silently dead peer) only holds notifications back, so a cache
 * they keep fresh can lag behind the checkpoints but never run ahead of them.
 */
export class CheckpointListener {
  private readonly logger = new Logger(CheckpointListener.name);
  private client: pg.Client | undefined;
  private connecting: Promise<void> | undefined;
  private reconnectTimer: NodeJS.Timeout | undefined;
  private reconnectDelayMs: number;
  private active = false;
  private closed = false;

  constructor(
    private readonly connection: pg.ClientConfig,
    private readonly options: CheckpointListenerOptions,
  ) {
    this.reconnectDelayMs = options.minReconnectDelayMs;
  }

  /** LISTEN is in effect and no loss has been noticed since. */
  get listening(): boolean {
    return this.active;
  }

  /**
   * Starts opening the connection unless it is open, opening, closed or waiting out a
   * reconnect delay. Cheap enough to call on every read; never awaited by callers: until
   * the connection is up they read the database, and its opening calls `onChange`.
   */
  open(): void {
    if (this.client !== undefined || this.connecting !== undefined) return;
    if (this.closed || this.reconnectTimer !== undefined) return;
    this.connecting = this.connect()
      .catch((error: unknown) => {
        this.logger.warn(`Checkpoint LISTEN connection not opened: ${String(error)}`);
      })
      .finally(() => {
        this.connecting = undefined;
      });
  }

  /**
   * Ends the connection. Does not wait for an opening in progress: pg never settles the
   * connect() of a client ended during its handshake, and once ended, that opening can
   * only fail (it finds the client is no longer the listener).
   */
  async close(): Promise<void> {
    this.closed = true;
    this.active = false;
    clearTimeout(this.reconnectTimer);
    const client = this.client;
    this.client = undefined;
    await client?.end().catch(logSwallowed(this.logger, 'Closing the LISTEN connection'));
  }

  private async connect(): Promise<void> {
    // The pool's own connection options (server, credentials, timeouts); keepAlive so a
    // dead peer is noticed on an otherwise silent connection.
    const client = new pg.Client({
      ...this.connection,
      keepAlive: true,
      application_name: 'ledger-consistency-listener',
    });
    // Taken as the listener before it opens, so that a failure at any point is `lost`.
    this.client = client;
    client.on('error', (error) => this.lost(client, error));
    client.on('end', () => this.lost(client, new Error('connection ended')));
    client.on('notification', (message) => {
      if (message.channel === CHECKPOINT_CHANNEL) this.options.onChange();
    });
    try {
      await client.connect();
      await client.query(`LISTEN ${CHECKPOINT_CHANNEL}`);
    } catch (error) {
      this.lost(client, error);
      return;
    }
    if (this.client !== client) return; // lost or closed while it opened
    this.reconnectDelayMs = this.options.minReconnectDelayMs;
    // Both together: no reader can see `listening` without the change that goes with it.
    this.active = true;
    this.options.onChange();
  }

  private lost(client: pg.Client, error: unknown): void {
    if (this.client !== client) return;
    this.client = undefined;
    this.active = false;
    this.logger.warn(`Checkpoint LISTEN connection lost: ${String(error)}`);
    // Ending a connection already lost: its failure is the loss just logged.
    void client.end().catch(() => undefined);
    this.options.onChange();
    this.scheduleReconnect();
  }

  private scheduleReconnect(): void {
    if (this.closed || this.reconnectTimer !== undefined) return;
    const delayMs = this.reconnectDelayMs;
    this.reconnectDelayMs = Math.min(this.reconnectDelayMs * 2, this.options.maxReconnectDelayMs);
    this.reconnectTimer = setTimeout(() => {
      this.reconnectTimer = undefined;
      if (this.options.reconnectNow()) this.open();
    }, delayMs);
    this.reconnectTimer.unref();
  }
}
