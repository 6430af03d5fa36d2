import { RequestDrain } from './app.request-drain.js';
import { Logger } from '@nestjs/common';
import { createApp } from './app.factory.js';
import { validateEnvironment } from './config/config-problems.js';
import { servesApi } from './config/deployment-config.js';
import { readEnvFile } from './config/env-file.js';
import { loadConfig } from './config/ledger-config.js';
import { loadMarketConfig } from './market/market-env.js';
import { stopOnSignals } from './stop-on-signals.js';

try {
  // Every problem at once: the environment file, the app's variables and the market's.
  const { envFile, config, market } = validateEnvironment(() => ({
    envFile: readEnvFile(),
    config: loadConfig(),
    market: loadMarketConfig(),
  }));
  if (envFile.path !== undefined) {
    console.log(`Ledger read ${envFile.applied.length} variables from ${envFile.path}`);
  }
  const starting = createApp(config, { market }).then((app) => ({
    app,
    requests: new RequestDrain(app.getHttpAdapter().getInstance()),
  }));
  // Through the app's logger, in order with its other lines (JSON, or pretty in development).
  const lifecycle = new Logger('Ledger');
  stopOnSignals(starting, (line) => lifecycle.log(line), {
    delayMs: config.deployment.shutdownDelayMs,
    drainMs: config.deployment.shutdownDrainMs,
  });
  const { app } = await starting;
  await app.listen(config.port, config.host);
  const shown = config.host === '0.0.0.0' || config.host === '::' ? 'localhost' : config.host;
  lifecycle.log(
    servesApi(config.deployment.role)
      ? `Ledger GraphQL API on http://${shown}:${config.port}/graphql, admin UI on ` +
          `http://${shown}:${config.port}/admin (listening on ${config.host})`
      : `Ledger worker (LEDGER_ROLE=worker): health and metrics on ` +
          `http://${shown}:${config.port} (listening on ${config.host})`,
  );
} catch (error) {
  // Start-up failures (data directory in use, bad configuration) read best as one message.
  console.error(`Ledger failed to start: ${(error as Error).message}`);
  // An embedded PostgreSQL started on the way is stopped by its exit hook.
  process.exit(1);
}
