/**
 * One export of the whole log to Parquet in a process of its own, so that its peak RSS is
 * the export's alone (not the loader's). Prints one JSON line: events, seconds, maxRssBytes.
 * Usage: node dist/bench/exports/export-process.js <database url> <directory>
 */
import { performance } from 'node:perf_hooks';
import { createPool } from '../../src/infrastructure/database/create-pool.js';
import { PostgresEventStore } from '../../src/infrastructure/event-store/postgres/postgres.event-store.js';
import { ExportsService } from '../../src/exports/exports.service.js';

const [databaseUrl, directory] = process.argv.slice(2);
if (!databaseUrl || !directory) throw new Error('usage: export-process <database url> <directory>');
const pool = createPool({ connectionString: databaseUrl, max: 4 });
const store = new PostgresEventStore(pool);
const started = performance.now();
const manifest = await new ExportsService(store, pool).exportRange({
  directory,
  format: 'parquet',
  command: { source: 'cli', request: 'bench:export', commandId: null, userId: null },
});
const seconds = (performance.now() - started) / 1_000;
await store.close();
await pool.end();
// maxRSS is in kilobytes: the whole process's peak.
const maxRssBytes = process.resourceUsage().maxRSS * 1024;
process.stdout.write(`${JSON.stringify({ events: manifest.events, seconds, maxRssBytes })}\n`);
