import { storedTypeName } from '../../events/event-catalog.js';
import { type EventStore, type RecordedEvent } from '../../event-store/event-store.port.js';
import { type Position } from '../../event-store/position.js';
import { BackgroundLoop } from '../../infrastructure/resilience/background-loop.js';
import { type OrderSagasRepository } from './order-sagas.repository.js';

/** Events that give an order's saga work: a new order, and a cancel it must act on. */
const TRIGGERS: ReadonlySet<string> = new Set(
  (['OrderPlaced', 'OrderCancellationRequested', 'OrderCancelled'] as const).map(storedTypeName),
);
/** A caught-up follower looks at the log at least this often, whatever the wake-ups. */
const IDLE_RECHECK_MS = 1_000;
/**
 * A page without triggers moves the stored checkpoint at most this often: its events
 * give no saga work, so after a crash reading them again costs a read and changes
 * nothing. A page with triggers always moves it, in the transaction that schedules them.
 */
const QUIET_CHECKPOINT_MS = 1_000;

function orderIdOf(event: RecordedEvent): string | undefined {
  const orderId = event.data['orderId'];
  return typeof orderId === 'string' ? orderId : undefined;
}

/**
 * The saga's checkpointed subscription: follows the global log from its checkpoint in
 * pages (catch-up, then live, woken by the store), and for each page makes the sagas of
 * the orders it touches due and moves the checkpoint in one transaction. It never runs a
 * saga step itself: those happen outside any transaction, in the scheduler's turns.
 * The whole log is read (not a filtered one): a filter would leave the checkpoint behind
 * the unrelated events, and the store's wake-ups would then fire for them every time.
 * Pages without triggers move the stored checkpoint only now and then (see
 * QUIET_CHECKPOINT_MS): most of the log is the sagas' and the aggregates' own events.
 */
export class SagaLogFollower {
  private readonly loop: BackgroundLoop;

  constructor(
    private readonly store: EventStore,
    private readonly sagas: OrderSagasRepository,
    private readonly batchSize: number,
    /** Told after a page scheduled sagas. */
    private readonly onScheduled: () => void,
    log: (message: string) => void,
  ) {
    this.loop = new BackgroundLoop(
      async (signal) => {
        await this.follow(signal);
        return true;
      },
      (error) => log(`order saga follower: ${String(error)}; resuming from the checkpoint`),
    );
  }

  start(): void {
    this.loop.start();
  }

  stop(): Promise<void> {
    return this.loop.stop();
  }

  /** Returns when another follower moved the checkpoint (the caller reloads it). */
  private async follow(signal: AbortSignal): Promise<void> {
    // `stored`: the checkpoint as this follower last wrote it; `position`: how far it read.
    let stored: Position = await this.sagas.checkpoint();
    let storedAtMs = performance.now();
    let position = stored;
    while (!signal.aborted) {
      const page = await this.store.readAll({ after: position, maxCount: this.batchSize });
      const orderIds = page.flatMap((event) => {
        const orderId = TRIGGERS.has(event.type) ? orderIdOf(event) : undefined;
        return orderId === undefined ? [] : [orderId];
      });
      if (page.length > 0) position = page[page.length - 1]!.position;
      const quietFor = performance.now() - storedAtMs;
      if (orderIds.length > 0 || (position !== stored && quietFor >= QUIET_CHECKPOINT_MS)) {
        if (!(await this.sagas.schedule(stored, position, orderIds))) return;
        stored = position;
        storedAtMs = performance.now();
        if (orderIds.length > 0) this.onScheduled();
      }
      if (page.length < this.batchSize) {
        await this.store.waitForEvents(position, IDLE_RECHECK_MS, signal);
      }
    }
  }
}
