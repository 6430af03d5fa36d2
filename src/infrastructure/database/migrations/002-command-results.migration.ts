import { type Migration } from '../migrator.js';

/** The first result of every command sent with a commandId: retries get it back. */
export const commandResultsMigration: Migration = {
  version: 2,
  name: 'command-results',
  sql: `
    CREATE TABLE ledger_command_results (
      command_id text PRIMARY KEY,
      command_name text NOT NULL,
      fingerprint text NOT NULL,
      result jsonb NOT NULL,
      created_at timestamptz NOT NULL DEFAULT now()
    );
  `,
};
