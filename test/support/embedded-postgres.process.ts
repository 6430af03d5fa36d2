import { EmbeddedPostgresServer } from '../../src/infrastructure/database/embedded-postgres.server.js';

/**
 * The test run's embedded PostgreSQL, in its own process (a vitest global setup must not
 * hold a server in the runner's own process). Prints `READY <url>`; stops on SIGTERM.
 */
const server = await EmbeddedPostgresServer.start(process.argv[2]!);
console.log(`READY ${server.connectionString}`);
process.once('SIGTERM', () => {
  void server.stop().then(() => process.exit(0));
});
