import { getPriority } from 'node:os';
import { describe, expect, it } from 'vitest';
import { liveBinding } from '../../src/projections/engine/projection.js';
import { DEFAULT_RETRY } from '../../src/projections/engine/projection-runner.js';
import { type RebuildProgress } from '../../src/projections/engine/projection-rebuilder.js';
import { rebuildInChild } from '../../src/projections/rebuild-process/rebuild-in-child.js';
import { type RebuildRequest } from '../../src/projections/rebuild-process/rebuild-request.js';
import { VIEW_PROJECTIONS } from '../../src/projections/views/index.js';
import { seededRandom } from '../../src/shared/seeded-random.js';
import { appendLog, generateHistory } from './projected-events.js';
import { useProjectionDatabase } from './projection-database.fixture.js';
import { lastLogPosition, viewDigests, viewsReached } from './projection-tables.js';

/**
 * The app's rebuilds run in a process of their own at a lower priority, so that their
 * pages never hold the app's event loop; the live projectors pause for them across
 * processes, as the pause locks are the database's.
 */

describe('a rebuild in a process of its own', () => {
  const db = useProjectionDatabase({ scope: 'test', poolSize: 10 });

  async function withLiveViews(events: number): Promise<void> {
    await appendLog(db.store, generateHistory(seededRandom(11), events).events, 300);
    db.runner(VIEW_PROJECTIONS.map(liveBinding), {
      batchSize: 200,
      retry: DEFAULT_RETRY,
      onFailure: 'stop',
    }).start();
    const last = await lastLogPosition(db.pool);
    await expect.poll(() => viewsReached(db.pool, last), { timeout: 30_000 }).toBe(true);
  }

  const liveDigests = () => viewDigests(db.pool);

  function request(): RebuildRequest {
    return {
      names: VIEW_PROJECTIONS.map((view) => view.name),
      connectionString: db.url,
      statementTimeoutMs: 30_000,
      eventStoreUrl: undefined,
      batchSize: 100,
      alignTimeoutMs: 20_000,
      pace: 0,
    };
  }

  it('rebuilds every view there at the niceness asked, telling its progress', async () => {
    await withLiveViews(1_500);
    const before = await liveDigests();
    const progress: RebuildProgress[] = [];
    const niceness: number[] = [];
    const child = rebuildInChild(request(), {
      nice: 7,
      log: () => undefined,
      onProgress: (step) => {
        if (progress.length === 0) niceness.push(getPriority(child.pid));
        progress.push(step);
      },
    });
    const reports = await child.reports;
    expect(child.pid).not.toBe(process.pid);
    expect(niceness).toEqual([7]);
    expect(reports.map((report) => [report.projection, report.swapped])).toEqual(
      VIEW_PROJECTIONS.map((view) => [view.name, true]),
    );
    expect(reports.flatMap((report) => report.parity).every((p) => p.equal)).toBe(true);
    // Positions crossed the channel as they are (bigints), and the phases in their order.
    expect(typeof progress[0]!.position.commit).toBe('bigint');
    expect(progress[0]!.phase).toBe('loading');
    // The same views, rebuilt.
    expect(await liveDigests()).toEqual(before);
  });

  it('ends with the app that stopped it, its shadows left for the next start, the live views untouched', async () => {
    await withLiveViews(1_500);
    const before = await liveDigests();
    const child = rebuildInChild(request(), {
      nice: 0,
      log: () => undefined,
      onProgress: () => child.stop(),
    });
    await expect(child.reports).rejects.toThrow(/ended \(SIGTERM\) before it finished/);
    expect(await liveDigests()).toEqual(before);
    const abandoned = await db.rebuilder().abandoned(VIEW_PROJECTIONS);
    expect(abandoned.length).toBeGreaterThan(0);
    await db.rebuilder().discard(abandoned);
    expect(await db.rebuilder().abandoned(VIEW_PROJECTIONS)).toEqual([]);
  });
});
