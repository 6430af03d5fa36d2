import { Logger } from '@nestjs/common';
import { createApp } from './app.factory.js';
import { loadConfig } from './config/ledger-config.js';
import { stopOnSignals } from './stop-on-signals.js';

try {
  const config = loadConfig();
  const starting = createApp(config);
  stopOnSignals(starting, (line) => console.log(line));
  const app = await starting;
  await app.listen(config.port, config.host);
  const shown = config.host === '0.0.0.0' || config.host === '::' ? 'localhost' : config.host;
  // Through the app's logger: a JSON line like every other, pretty in development.
  new Logger('Ledger').log(
    `Ledger GraphQL API on http://${shown}:${config.port}/graphql, admin UI on ` +
      `http://${shown}:${config.port}/admin (listening on ${config.host})`,
  );
} catch (error) {
  // Start-up failures (data directory in use, bad configuration) read best as one line.
  console.error(`Ledger failed to start: ${(error as Error).message}`);
  // An embedded PostgreSQL started on the way is stopped by its exit hook.
  process.exit(1);
}
