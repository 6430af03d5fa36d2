import { type DynamicModule, Global, Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { MetricsRegistry } from '../../src/infrastructure/metrics/metrics.registry.js';
import type pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LEDGER_CONFIG, loadConfig } from '../../src/config/ledger-config.js';
import { createPool } from '../../src/infrastructure/database/create-pool.js';
import {
  DATABASE_POOL,
  READ_DATABASE_POOL,
} from '../../src/infrastructure/database/database.tokens.js';
import { ReadPool } from '../../src/infrastructure/database/read-pool.js';
import { migrate } from '../../src/infrastructure/database/migrator.js';
import { MIGRATIONS } from '../../src/infrastructure/database/migrations/index.js';
import { CheckpointProgress } from '../../src/event-store/checkpoint-progress.js';
import { EVENT_STORE } from '../../src/event-store/event-store.port.js';
import { PostgresEventStore } from '../../src/infrastructure/event-store/postgres/postgres.event-store.js';
import { ProjectionsModule } from '../../src/projections/projections.module.js';
import {
  CONSISTENCY_OPTIONS,
  ConsistencyService,
} from '../../src/queries/consistency/consistency.service.js';
import { QueriesModule } from '../../src/queries/queries.module.js';
import { type TestDatabase, createTestDatabase } from '../support/test-database.js';
import { at, listenerPid, setCheckpoint, settled, sleep } from './read-side.fixtures.js';

let database: TestDatabase;
let pool: pg.Pool;

/** What the app's global modules provide; no projector runs, and no fallback tick wakes a waiter. */
function globals(): DynamicModule {
  @Global()
  @Module({})
  class TestGlobals {}
  const providers = [
    { provide: DATABASE_POOL, useValue: pool },
    { provide: READ_DATABASE_POOL, useValue: new ReadPool(pool, false) },
    { provide: EVENT_STORE, useValue: new PostgresEventStore(pool) },
    { provide: LEDGER_CONFIG, useValue: { ...loadConfig({}), projectionsEnabled: false } },
    { provide: CONSISTENCY_OPTIONS, useValue: { fallbackRecheckMs: 60_000 } },
    { provide: MetricsRegistry, useClass: MetricsRegistry },
  ];
  return { module: TestGlobals, providers, exports: providers.map((p) => p.provide) };
}

beforeAll(async () => {
  database = await createTestDatabase();
  pool = createPool({ connectionString: database.url, max: 8 });
  await migrate(pool, MIGRATIONS);
});
afterAll(async () => {
  await pool?.end();
  await database?.drop();
});

describe('checkpoint progress between the projections and the queries', () => {
  it('is one signal for both modules, and what the projections publish wakes the consistency wait', async () => {
    @Module({ imports: [globals(), QueriesModule, ProjectionsModule] })
    class ReadSide {}
    const app = await NestFactory.createApplicationContext(ReadSide, {
      logger: false,
      abortOnError: false,
    });
    try {
      const published = app.select(ProjectionsModule).get(CheckpointProgress);
      expect(app.select(QueriesModule).get(CheckpointProgress)).toBe(published);

      const consistency = app.get(ConsistencyService);
      await setCheckpoint(pool, 'holdings', at(1));
      const waiting = consistency.waitFor(['holdings'], at(5), 20_000);
      await listenerPid(pool);
      await setCheckpoint(pool, 'holdings', at(5), { notify: false });
      await sleep(300);
      expect(await settled(waiting)).toBe(false);

      published.advanced('holdings', at(5));
      await expect(waiting).resolves.toEqual({ position: at(5), stale: false });
    } finally {
      await app.close();
    }
  });
});
