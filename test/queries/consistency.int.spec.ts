import { afterEach, describe, expect, it } from 'vitest';
import { START } from '../../src/event-store/position.js';
import {
  type ConsistencyOptions,
  ConsistencyService,
  DEFAULT_WAIT_TIMEOUT_MS,
  MAX_WAIT_TIMEOUT_MS,
  boundedTimeoutMs,
} from '../../src/queries/consistency/consistency.service.js';
import { ViewCheckpointsRepository } from '../../src/queries/repositories/view-checkpoints.repository.js';
import { ReadPool } from '../../src/infrastructure/database/read-pool.js';
import { CheckpointsRepository } from '../../src/projections/engine/checkpoints.repository.js';
import { useMigratedDatabase } from '../support/test-database.js';
import { at, listenerPid, setCheckpoint, settled, sleep } from './read-side.fixtures.js';

const database = useMigratedDatabase({ poolSize: 8 });
const services: ConsistencyService[] = [];

/** Counts reads of the checkpoint table. */
class CountingCheckpoints extends ViewCheckpointsRepository {
  reads = 0;
  override positions(): ReturnType<ViewCheckpointsRepository['positions']> {
    this.reads++;
    return super.positions();
  }
}

// A fallback tick of a minute: a waiter released within seconds was woken by something else.
function service(options: ConsistencyOptions = { fallbackRecheckMs: 60_000 }): {
  consistency: ConsistencyService;
  checkpoints: CountingCheckpoints;
} {
  const reads = new ReadPool(database.pool, false);
  const checkpoints = new CountingCheckpoints(reads);
  const consistency = new ConsistencyService(checkpoints, reads, options);
  services.push(consistency);
  return { consistency, checkpoints };
}

afterEach(async () => {
  await Promise.all(services.splice(0).map((s) => s.onModuleDestroy()));
  await database.pool.query('DELETE FROM ledger_projection_checkpoints');
});

describe('ConsistencyService', () => {
  it('answers the lowest checkpoint of the projections at once when no position is asked for', async () => {
    const { consistency } = service();
    await setCheckpoint(database.pool, 'accounts', at(9, 4));
    await setCheckpoint(database.pool, 'holdings', at(7, 12));
    await expect(consistency.waitFor(['accounts', 'holdings'], undefined, 1_000)).resolves.toEqual({
      position: at(7, 12),
      stale: false,
    });
    // A projection without a checkpoint has applied nothing yet.
    await expect(consistency.waitFor(['accounts', 'orders'], undefined, 1_000)).resolves.toEqual({
      position: START,
      stale: false,
    });
  });

  it('answers at once when the position is already applied', async () => {
    const { consistency } = service();
    await setCheckpoint(database.pool, 'orders', at(20, 1));
    const started = Date.now();
    await expect(consistency.waitFor(['orders'], at(20, 1), 10_000)).resolves.toEqual({
      position: at(20, 1),
      stale: false,
    });
    expect(Date.now() - started).toBeLessThan(1_000);
  });

  it('releases a waiter on NOTIFY well before its timeout', async () => {
    const { consistency } = service();
    await setCheckpoint(database.pool, 'orders', at(1));
    const waiting = consistency.waitFor(['orders'], at(10), 20_000);
    await listenerPid(database.pool);
    await sleep(100);
    expect(await settled(waiting)).toBe(false);

    const notifiedAt = Date.now();
    await setCheckpoint(database.pool, 'orders', at(10, 3));
    await expect(waiting).resolves.toEqual({ position: at(10, 3), stale: false });
    expect(Date.now() - notifiedAt).toBeLessThan(2_000);
  });

  it('wakes on the in-process signal of a projector without a NOTIFY', async () => {
    const { consistency } = service();
    await setCheckpoint(database.pool, 'holdings', at(1));
    const waiting = consistency.waitFor(['holdings'], at(5), 20_000);
    await listenerPid(database.pool);
    await setCheckpoint(database.pool, 'holdings', at(5), { notify: false });
    await sleep(300);
    expect(await settled(waiting)).toBe(false);

    consistency.checkpointAdvanced('holdings');
    await expect(waiting).resolves.toEqual({ position: at(5), stale: false });
  });

  it('answers stale with what it has when the timeout passes', async () => {
    const { consistency } = service();
    await setCheckpoint(database.pool, 'orders', at(3, 2));
    const started = Date.now();
    await expect(consistency.waitFor(['orders'], at(4), 300)).resolves.toEqual({
      position: at(3, 2),
      stale: true,
    });
    const elapsedMs = Date.now() - started;
    expect(elapsedMs).toBeGreaterThanOrEqual(290);
    expect(elapsedMs).toBeLessThan(3_000);
  });

  it('answers stale at once when a projection short of the position is stopped', async () => {
    const { consistency } = service();
    await setCheckpoint(database.pool, 'accounts', at(9));
    await setCheckpoint(database.pool, 'orders', at(3));
    await database.pool.query(
      "UPDATE ledger_projection_checkpoints SET status = 'stopped' WHERE projection = 'orders'",
    );
    const started = Date.now();
    await expect(consistency.waitFor(['accounts', 'orders'], at(5), 20_000)).resolves.toEqual({
      position: at(3),
      stale: true,
    });
    expect(Date.now() - started).toBeLessThan(3_000);
    // Stopped but already past the position: nothing to wait for, and not stale.
    await expect(consistency.waitFor(['accounts'], at(5), 20_000)).resolves.toEqual({
      position: at(9),
      stale: false,
    });
  });

  it('releases a waiter when the projection it waits on stops', async () => {
    const { consistency } = service();
    await setCheckpoint(database.pool, 'orders', at(3));
    const waiting = consistency.waitFor(['orders'], at(5), 20_000);
    await listenerPid(database.pool);
    await sleep(100);
    expect(await settled(waiting)).toBe(false);

    await new CheckpointsRepository(database.pool).setStatus('orders', 'stopped', 'poison event');
    await expect(waiting).resolves.toEqual({ position: at(3), stale: true });
  });

  it('keeps waiting while one of several projections is still behind', async () => {
    const { consistency } = service();
    await setCheckpoint(database.pool, 'accounts', at(1));
    await setCheckpoint(database.pool, 'holdings', at(1));
    const waiting = consistency.waitFor(['accounts', 'holdings'], at(5), 20_000);
    await listenerPid(database.pool);

    await setCheckpoint(database.pool, 'accounts', at(8));
    await sleep(300);
    expect(await settled(waiting)).toBe(false);

    await setCheckpoint(database.pool, 'holdings', at(6));
    await expect(waiting).resolves.toEqual({ position: at(6), stale: false });
  });

  it('re-reads on its fallback tick when a notification is lost', async () => {
    const { consistency } = service({ fallbackRecheckMs: 200 });
    await setCheckpoint(database.pool, 'orders', at(1));
    const waiting = consistency.waitFor(['orders'], at(2), 20_000);
    await listenerPid(database.pool);
    const changedAt = Date.now();
    await setCheckpoint(database.pool, 'orders', at(2), { notify: false });
    await expect(waiting).resolves.toEqual({ position: at(2), stale: false });
    expect(Date.now() - changedAt).toBeLessThan(2_000);
  });

  it('reopens the LISTEN connection after it drops and hears notifications again', async () => {
    const { consistency } = service({
      fallbackRecheckMs: 60_000,
      minReconnectDelayMs: 50,
      maxReconnectDelayMs: 200,
    });
    await setCheckpoint(database.pool, 'orders', at(1));
    const waiting = consistency.waitFor(['orders'], at(3), 20_000);
    const first = await listenerPid(database.pool);
    await database.pool.query('SELECT pg_terminate_backend($1)', [first]);
    await listenerPid(database.pool, first);
    expect(await settled(waiting)).toBe(false);

    const notifiedAt = Date.now();
    await setCheckpoint(database.pool, 'orders', at(3));
    await expect(waiting).resolves.toEqual({ position: at(3), stale: false });
    expect(Date.now() - notifiedAt).toBeLessThan(2_000);
  });

  it('shares checkpoint reads among many waiters', async () => {
    const { consistency, checkpoints } = service();
    await setCheckpoint(database.pool, 'orders', at(1));
    const waiters = Array.from({ length: 200 }, () =>
      consistency.waitFor(['orders'], at(2), 20_000),
    );
    await listenerPid(database.pool);
    await sleep(100);
    const readsBefore = checkpoints.reads;
    await setCheckpoint(database.pool, 'orders', at(2));
    const results = await Promise.all(waiters);
    expect(results.every((r) => !r.stale)).toBe(true);
    // One wake, one or two shared reads: not one per waiter.
    expect(checkpoints.reads - readsBefore).toBeLessThanOrEqual(3);
  });

  it('answers waiting reads stale at once when it shuts down', async () => {
    const { consistency } = service();
    await setCheckpoint(database.pool, 'orders', at(1));
    const waiting = consistency.waitFor(['orders'], at(2), 20_000);
    await sleep(100);
    const closedAt = Date.now();
    await consistency.onModuleDestroy();
    await expect(waiting).resolves.toEqual({ position: at(1), stale: true });
    expect(Date.now() - closedAt).toBeLessThan(1_000);
  });

  it('answers reads from its snapshot, without the table, while no checkpoint moves', async () => {
    const { consistency, checkpoints } = service();
    await setCheckpoint(database.pool, 'orders', at(7, 1));
    await consistency.waitFor(['orders'], undefined, 0);
    await listenerPid(database.pool);
    // The connection's opening is a change: one more read, then none while nothing moves.
    await consistency.waitFor(['orders'], undefined, 0);
    const readsBefore = checkpoints.reads;
    for (let i = 0; i < 50; i++) {
      await expect(consistency.waitFor(['orders'], undefined, 0)).resolves.toEqual({
        position: at(7, 1),
        stale: false,
      });
    }
    expect(checkpoints.reads).toBe(readsBefore);
  });

  it('reads the table again once a NOTIFY says a checkpoint moved', async () => {
    const { consistency, checkpoints } = service();
    await setCheckpoint(database.pool, 'orders', at(1));
    await consistency.waitFor(['orders'], undefined, 0);
    await listenerPid(database.pool);
    await consistency.waitFor(['orders'], undefined, 0);
    const readsBefore = checkpoints.reads;
    await setCheckpoint(database.pool, 'orders', at(4, 2));
    // The notification arrives on its own connection, some time after the commit.
    await expect
      .poll(() => consistency.waitFor(['orders'], undefined, 0), { timeout: 2_000, interval: 5 })
      .toEqual({ position: at(4, 2), stale: false });
    expect(checkpoints.reads - readsBefore).toBeLessThanOrEqual(2);
  });

  it('reads the table again after an in-process projector says it advanced', async () => {
    const { consistency } = service();
    await setCheckpoint(database.pool, 'holdings', at(1));
    await consistency.waitFor(['holdings'], undefined, 0);
    await listenerPid(database.pool);
    await consistency.waitFor(['holdings'], undefined, 0);
    await setCheckpoint(database.pool, 'holdings', at(3), { notify: false });
    consistency.checkpointAdvanced('holdings');
    await expect(consistency.waitFor(['holdings'], undefined, 0)).resolves.toEqual({
      position: at(3),
      stale: false,
    });
  });

  it('reads the table for every read while the LISTEN connection is down', async () => {
    // Stays down: no reconnect within the test, and no snapshot expires on its own.
    const { consistency, checkpoints } = service({
      fallbackRecheckMs: 60_000,
      minReconnectDelayMs: 60_000,
      maxReconnectDelayMs: 60_000,
      maxSnapshotAgeMs: 60_000,
    });
    await setCheckpoint(database.pool, 'orders', at(1));
    await consistency.waitFor(['orders'], undefined, 0);
    const pid = await listenerPid(database.pool);
    // The listener's backend shows before its LISTEN has answered the service: from then
    // on, reads are served from the snapshot.
    await expect
      .poll(
        async () => {
          const before = checkpoints.reads;
          await consistency.waitFor(['orders'], undefined, 0);
          return checkpoints.reads - before;
        },
        { timeout: 5_000, interval: 10 },
      )
      .toBe(0);
    const cachedReads = checkpoints.reads;
    await consistency.waitFor(['orders'], undefined, 0);
    expect(checkpoints.reads).toBe(cachedReads);

    await database.pool.query('SELECT pg_terminate_backend($1)', [pid]);
    // Once the loss is noticed, reads go to the table (a notification may have been missed).
    await expect
      .poll(
        async () => {
          await consistency.waitFor(['orders'], undefined, 0);
          return checkpoints.reads;
        },
        { timeout: 5_000, interval: 10 },
      )
      .toBeGreaterThan(cachedReads);
    await setCheckpoint(database.pool, 'orders', at(2), { notify: false });
    const readsBefore = checkpoints.reads;
    for (let i = 0; i < 3; i++) {
      await expect(consistency.waitFor(['orders'], undefined, 0)).resolves.toEqual({
        position: at(2),
        stale: false,
      });
    }
    expect(checkpoints.reads - readsBefore).toBe(3);
  });

  it('reads the table again once its snapshot is maxSnapshotAgeMs old, notified or not', async () => {
    const { consistency } = service({ fallbackRecheckMs: 60_000, maxSnapshotAgeMs: 200 });
    await setCheckpoint(database.pool, 'orders', at(1));
    await consistency.waitFor(['orders'], undefined, 0);
    await listenerPid(database.pool);
    await consistency.waitFor(['orders'], undefined, 0);
    // A lost notification (a silently dead connection): the snapshot lags, never leads.
    await setCheckpoint(database.pool, 'orders', at(2), { notify: false });
    await sleep(250);
    await expect(consistency.waitFor(['orders'], undefined, 0)).resolves.toEqual({
      position: at(2),
      stale: false,
    });
  });

  it('shuts down while its LISTEN connection is still opening', async () => {
    // pg settles no connect() of a client ended mid-handshake: shutdown must not wait on it.
    const { consistency } = service();
    await setCheckpoint(database.pool, 'orders', at(1));
    const reading = consistency.waitFor(['orders'], undefined, 0); // opens the connection
    const closing = consistency.onModuleDestroy();
    const closedInTime = await Promise.race([
      closing.then(() => true),
      sleep(5_000).then(() => false),
    ]);
    expect(closedInTime).toBe(true);
    await expect(reading).resolves.toEqual({ position: at(1), stale: false });
  });

  it('bounds the timeout a caller asks for', () => {
    expect(boundedTimeoutMs(undefined)).toBe(DEFAULT_WAIT_TIMEOUT_MS);
    expect(boundedTimeoutMs(-5)).toBe(0);
    expect(boundedTimeoutMs(250)).toBe(250);
    expect(boundedTimeoutMs(3_600_000)).toBe(MAX_WAIT_TIMEOUT_MS);
  });
});

describe('ConsistencyService on a read replica, which hears no NOTIFY', () => {
  function replicaService(): { consistency: ConsistencyService; checkpoints: CountingCheckpoints } {
    const reads = new ReadPool(database.pool, true);
    const checkpoints = new CountingCheckpoints(reads);
    const consistency = new ConsistencyService(checkpoints, reads, {
      replicaPollMinMs: 10,
      replicaPollMaxMs: 100,
    });
    services.push(consistency);
    return { consistency, checkpoints };
  }

  it('polls its checkpoint rows with backoff and releases a waiter soon after its position lands', async () => {
    const { consistency, checkpoints } = replicaService();
    await setCheckpoint(database.pool, 'orders', at(1), { notify: false });
    const waiting = consistency.waitFor(['orders'], at(10), 20_000);
    await sleep(500);
    expect(await settled(waiting)).toBe(false);
    // Polls at 10, 30, 70, 150, 250, 350, 450 ms: a handful of reads, not one a millisecond.
    expect(checkpoints.reads).toBeGreaterThanOrEqual(3);
    expect(checkpoints.reads).toBeLessThanOrEqual(12);

    const landedAt = Date.now();
    await setCheckpoint(database.pool, 'orders', at(10, 3), { notify: false });
    await expect(waiting).resolves.toEqual({ position: at(10, 3), stale: false });
    expect(Date.now() - landedAt).toBeLessThan(2_000);
  });

  it('answers stale at the timeout with the checkpoint it has, not the one it was asked for', async () => {
    const { consistency } = replicaService();
    await setCheckpoint(database.pool, 'orders', at(4), { notify: false });
    const started = Date.now();
    await expect(consistency.waitFor(['orders'], at(9), 300)).resolves.toEqual({
      position: at(4),
      stale: true,
    });
    expect(Date.now() - started).toBeGreaterThanOrEqual(290);
  });
});
