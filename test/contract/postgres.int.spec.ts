import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, inject } from 'vitest';
import { EmbeddedPostgresServer } from '../../src/infrastructure/database/embedded-postgres.server.js';
import { createPool } from '../../src/infrastructure/database/create-pool.js';
import { migrate } from '../../src/infrastructure/database/migrator.js';
import { MIGRATIONS } from '../../src/infrastructure/database/migrations/index.js';
import { PostgresEventStore } from '../../src/infrastructure/event-store/postgres/postgres.event-store.js';
import { createTestDatabase } from '../support/test-database.js';
import { type ContractTarget, eventStoreContract } from './event-store.contract.js';

async function postgresTarget(serverUrl: string): Promise<ContractTarget> {
  const database = await createTestDatabase(serverUrl);
  const pool = createPool({ connectionString: database.url, max: 10 });
  await migrate(pool, MIGRATIONS);
  const store = new PostgresEventStore(pool);
  return {
    store,
    dispose: async () => {
      await store.close();
      await pool.end();
      await database.drop();
    },
  };
}

eventStoreContract(`PostgreSQL (${inject('pgServerKind')} server for tests)`, () =>
  postgresTarget(inject('pgServerUrl')),
);

let embedded: EmbeddedPostgresServer;
let embeddedDir: string;
beforeAll(async () => {
  embeddedDir = await mkdtemp(join(tmpdir(), 'ledger-contract-'));
  embedded = await EmbeddedPostgresServer.start(embeddedDir);
});
afterAll(async () => {
  await embedded.stop();
  await rm(embeddedDir, { recursive: true, force: true });
});

eventStoreContract('PostgreSQL (embedded default)', () =>
  postgresTarget(embedded.connectionString),
);
