import { type Migration } from '../migrator.js';

/**
 * Named warehouse exports: where each writes and how far into the log it has written.
 * The checkpoint moves only after a run's manifest is on disk, in one UPDATE that also
 * checks the run started from it (two runs cannot both move it).
 */
export const exportsMigration: Migration = {
  version: 9,
  name: 'exports',
  sql: `
    CREATE TABLE ledger_exports (
      name text PRIMARY KEY,
      directory text NOT NULL,
      format text NOT NULL,
      commit_position numeric(20) NOT NULL DEFAULT 0,
      prepare_position numeric(20) NOT NULL DEFAULT 0,
      runs integer NOT NULL DEFAULT 0,
      events bigint NOT NULL DEFAULT 0,
      created_at timestamptz NOT NULL DEFAULT now(),
      last_run_at timestamptz
    );
  `,
};
