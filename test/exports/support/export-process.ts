/**
 * An export run in a process of its own, for the kill tests: runs the named export
 * EXPORT_NAME against DATABASE_URL once and exits 0. Started with
 * `node --import tsx test/exports/support/export-process.ts`. Prints `{"ready":true}` on
 * stdout once connected, just before the run starts, and `{"done":true}` after it.
 */
import { createPool } from '../../../src/infrastructure/database/create-pool.js';
import { PostgresEventStore } from '../../../src/infrastructure/event-store/postgres/postgres.event-store.js';
import { ExportsService } from '../../../src/exports/exports.service.js';

async function main(): Promise<void> {
  const databaseUrl = process.env['DATABASE_URL'];
  const name = process.env['EXPORT_NAME'];
  if (!databaseUrl || !name) throw new Error('DATABASE_URL and EXPORT_NAME are required');
  const pool = createPool({ connectionString: databaseUrl, max: 4 });
  const store = new PostgresEventStore(pool);
  const exports = new ExportsService(store, pool);
  await pool.query('SELECT 1');
  process.stdout.write(`${JSON.stringify({ ready: true })}\n`);
  await exports.run(name, { source: 'cli', request: 'kill test', commandId: null, userId: null });
  process.stdout.write(`${JSON.stringify({ done: true })}\n`);
  await store.close();
  await pool.end();
}

await main();
