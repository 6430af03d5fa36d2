/**
 * The `ledger` CLI: `npm run ledger -- projections rebuild accounts` (see USAGE in
 * cli-args.ts). Run by tsx, which compiles without the decorator metadata Nest injects by:
 * the project's modules are loaded through hooks that compile them with TypeScript, so
 * they are imported only once the hooks are in place.
 */
import { register } from 'node:module';

// Built by tsc (dist/), the modules carry their metadata already.
if (import.meta.url.endsWith('.ts')) register('./decorator-metadata.hooks.ts', import.meta.url);
const { runCli } = await import('./ledger-commands.js');
// Exits explicitly: a pool or timer left open must not keep a finished command running.
process.exit(await runCli(process.argv.slice(2)));
