/**
 * The app from its sources, as `npm start` runs it from dist/ (the browser tests do not
 * touch dist/, which other tests rebuild): the decorated modules are compiled by the
 * hooks the `ledger` CLI uses, so Nest's injection works under tsx.
 */
import { register } from 'node:module';

register('../../src/cli/decorator-metadata.hooks.ts', import.meta.url);
await import('../../src/main.js');
