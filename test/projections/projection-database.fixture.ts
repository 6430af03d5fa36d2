import type pg from 'pg';
import { beforeEach } from 'vitest';
import { type EventStore } from '../../src/event-store/event-store.port.js';
import { PostgresEventStore } from '../../src/infrastructure/event-store/postgres/postgres.event-store.js';
import { CheckpointsRepository } from '../../src/projections/engine/checkpoints.repository.js';
import { ParkedEventsRepository } from '../../src/projections/engine/parked-events.repository.js';
import {
  type Projection,
  type ProjectionBinding,
} from '../../src/projections/engine/projection.js';
import { ProjectionRebuilder } from '../../src/projections/engine/projection-rebuilder.js';
import {
  ProjectionRunner,
  type RunnerOptions,
} from '../../src/projections/engine/projection-runner.js';
import {
  type MigratedDatabase,
  type MigratedDatabaseOptions,
  openMigratedDatabase,
} from '../support/test-database.js';
import { useFixture } from '../support/vitest-fixture.js';
import { TestLog } from './projected-events.js';
import { liveTables, truncate } from './projection-tables.js';

export interface ProjectionDatabaseOptions extends MigratedDatabaseOptions {
  /** Projections whose live tables are emptied before each test. */
  readonly emptied?: readonly Projection[];
  /** Runs once the database is migrated: the tables of a test's own projections, say. */
  readonly prepare?: (pool: pg.Pool) => Promise<void>;
}

/**
 * What a projection test runs on: a migrated database of its own, the PostgreSQL store
 * over it, and runners and rebuilders wired to its checkpoints and parked events.
 */
export interface ProjectionDatabase extends MigratedDatabase {
  /** The test's log: empty at the start of each test, as the `emptied` projections' tables are. */
  readonly log: TestLog;
  /** The PostgreSQL event store on this database, opened on first use. */
  readonly store: PostgresEventStore;
  /** A runner over `source` (this database's store by default), stopped at tear-down. */
  runner(
    bindings: readonly ProjectionBinding[],
    options: RunnerOptions,
    source?: EventStore,
  ): ProjectionRunner;
  rebuilder(): ProjectionRebuilder;
  /** Stops the runners started so far: before their source goes, when a test owns it. */
  stopRunners(): Promise<void>;
}

class OpenProjectionDatabase implements Omit<ProjectionDatabase, 'log'> {
  private readonly runners: ProjectionRunner[] = [];
  private openedStore: PostgresEventStore | undefined;

  constructor(private readonly database: MigratedDatabase & { close(): Promise<void> }) {}

  get url(): string {
    return this.database.url;
  }

  get pool(): pg.Pool {
    return this.database.pool;
  }

  get store(): PostgresEventStore {
    return (this.openedStore ??= new PostgresEventStore(this.pool));
  }

  runner(
    bindings: readonly ProjectionBinding[],
    options: RunnerOptions,
    source: EventStore = this.store,
  ): ProjectionRunner {
    const runner = new ProjectionRunner(
      bindings,
      source,
      this.pool,
      new CheckpointsRepository(this.pool),
      new ParkedEventsRepository(this.pool),
      options,
    );
    this.runners.push(runner);
    return runner;
  }

  rebuilder(): ProjectionRebuilder {
    return new ProjectionRebuilder(
      this.store,
      this.pool,
      new CheckpointsRepository(this.pool),
      new ParkedEventsRepository(this.pool),
    );
  }

  async stopRunners(): Promise<void> {
    await Promise.all(this.runners.splice(0).map((runner) => runner.stop()));
  }

  async close(): Promise<void> {
    await this.stopRunners();
    await this.openedStore?.close();
    await this.database.close();
  }
}

/**
 * A projection test's database and log, as Emmett's projection specs give them: the
 * database created and migrated before the spec file's tests (or each test's, with scope
 * 'test') and dropped after them, the runners stopped and the store closed first.
 */
export function useProjectionDatabase(options: ProjectionDatabaseOptions = {}): ProjectionDatabase {
  const current = useFixture(
    options.scope ?? 'file',
    async () => {
      const database = new OpenProjectionDatabase(
        await openMigratedDatabase(options.poolSize ?? 4),
      );
      try {
        await options.prepare?.(database.pool);
      } catch (error) {
        await database.close();
        throw error;
      }
      return database;
    },
    (database) => database.close(),
  );
  const log = new TestLog();
  beforeEach(async () => {
    log.clear();
    for (const projection of options.emptied ?? []) {
      await truncate(current().pool, liveTables(projection));
    }
  });
  return {
    log,
    get url() {
      return current().url;
    },
    get pool() {
      return current().pool;
    },
    get store() {
      return current().store;
    },
    runner: (bindings, runnerOptions, source) => current().runner(bindings, runnerOptions, source),
    rebuilder: () => current().rebuilder(),
    stopRunners: () => current().stopRunners(),
  };
}
