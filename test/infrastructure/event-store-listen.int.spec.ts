import pg from 'pg';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { START } from '../../src/event-store/position.js';
import { PostgresEventStore } from '../../src/infrastructure/event-store/postgres/postgres.event-store.js';
import { useMigratedDatabase } from '../support/test-database.js';

const database = useMigratedDatabase();

afterEach(() => {
  vi.restoreAllMocks();
});

/** Makes the next `count` LISTEN statements fail; answers the clients they failed on. */
function refuseListen(count: number): pg.Client[] {
  const refused: pg.Client[] = [];
  const query = pg.Client.prototype.query;
  vi.spyOn(pg.Client.prototype, 'query').mockImplementation(function (
    this: pg.Client,
    ...args: unknown[]
  ) {
    if (typeof args[0] === 'string' && args[0].startsWith('LISTEN') && refused.length < count) {
      refused.push(this);
      return Promise.reject(new Error('LISTEN refused'));
    }
    // The real query, with whatever overload the caller chose.
    return (query as (...a: unknown[]) => unknown).apply(this, args) as never;
  });
  return refused;
}

describe("the PostgreSQL store's LISTEN connection", () => {
  it('is closed when LISTEN fails, and the next wait listens on a new one', async () => {
    const refused = refuseListen(1);
    const ended: pg.Client[] = [];
    const end = pg.Client.prototype.end;
    vi.spyOn(pg.Client.prototype, 'end').mockImplementation(function (this: pg.Client) {
      ended.push(this);
      return (end as () => Promise<void>).call(this);
    } as never);
    const store = new PostgresEventStore(database.pool);
    try {
      await store.waitForEvents(START, 20);
      await vi.waitFor(() => expect(refused).toHaveLength(1), { timeout: 5_000 });
      await vi.waitFor(() => expect(ended).toEqual(refused), { timeout: 5_000 });

      // The failure is forgotten (once the failed attempt has ended): a later wait listens
      // again, on a connection kept open.
      await vi.waitFor(
        async () => {
          await store.waitForEvents(START, 20);
          const { rows } = await database.pool.query<{ listening: number }>(
            `SELECT count(*)::int AS listening FROM pg_stat_activity
            WHERE datname = current_database() AND query LIKE 'LISTEN%'`,
          );
          expect(rows[0]!.listening).toBe(1);
        },
        { timeout: 10_000, interval: 100 },
      );
      expect(ended).toEqual(refused);
    } finally {
      await store.close();
    }
  });
});
