import { createApp } from './app.factory.js';
import { loadConfig } from './config/ledger-config.js';

try {
  const config = loadConfig();
  const app = await createApp(config);
  await app.listen(config.port, '0.0.0.0');
  console.log(`Ledger GraphQL API on http://localhost:${config.port}/graphql`);
} catch (error) {
  // Start-up failures (data directory in use, bad configuration) read best as one line.
  console.error(`Ledger failed to start: ${(error as Error).message}`);
  process.exitCode = 1;
  // Lets the embedded PostgreSQL's exit hook stop the server it may have started.
  process.kill(process.pid, 'SIGTERM');
}
