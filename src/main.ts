import { createApp } from './app.factory.js';
import { loadConfig } from './config/ledger-config.js';

const config = loadConfig();
const app = await createApp(config);
await app.listen(config.port, '0.0.0.0');
console.log(`Ledger GraphQL API on http://localhost:${config.port}/graphql`);
