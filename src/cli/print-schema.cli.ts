/**
 * `npm run schema`: writes the app's GraphQL schema to schema.graphql, the committed
 * contract that `npm test` compares with the code. Loaded through the same hooks as the
 * `ledger` CLI, because the code-first schema reads field types from decorator metadata.
 */
import { register } from 'node:module';

if (import.meta.url.endsWith('.ts')) register('./decorator-metadata.hooks.ts', import.meta.url);
const { writeSchemaFile } = await import('./schema-file.js');
process.exit(await writeSchemaFile());
