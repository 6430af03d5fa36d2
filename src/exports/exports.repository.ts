import type pg from 'pg';
import { type Position } from '../event-store/position.js';
import { type ExportFormat } from './export-datasets.js';

/** A named export: where it writes, and how far into the log its runs have written. */
export interface ExportDefinition {
  readonly name: string;
  readonly directory: string;
  readonly format: ExportFormat;
  /** The last position of its last run: the next run starts after it. */
  readonly checkpoint: Position;
  readonly runs: number;
  readonly events: number;
}

interface ExportRow {
  name: string;
  directory: string;
  format: ExportFormat;
  commit_position: string;
  prepare_position: string;
  runs: number;
  events: string;
}

const COLUMNS = 'name, directory, format, commit_position, prepare_position, runs, events';

/** At most this many named exports are listed (a handful exist in practice). */
const MAX_LISTED = 500;

const SQL = {
  create: `INSERT INTO ledger_exports (name, directory, format) VALUES ($1, $2, $3)
           ON CONFLICT (name) DO NOTHING`,
  find: `SELECT ${COLUMNS} FROM ledger_exports WHERE name = $1`,
  list: `SELECT ${COLUMNS} FROM ledger_exports ORDER BY name LIMIT ${MAX_LISTED}`,
  // Moves only from the position the run started at: a run can never move it twice.
  advance: `UPDATE ledger_exports
            SET commit_position = $4, prepare_position = $5, runs = runs + 1,
                events = events + $6, last_run_at = now()
            WHERE name = $1 AND commit_position = $2 AND prepare_position = $3`,
} as const;

function toDefinition(row: ExportRow): ExportDefinition {
  return {
    name: row.name,
    directory: row.directory,
    format: row.format,
    checkpoint: { commit: BigInt(row.commit_position), prepare: BigInt(row.prepare_position) },
    runs: row.runs,
    events: Number(row.events),
  };
}

/** All SQL of the named exports (table: migration 009). */
export class ExportsRepository {
  constructor(private readonly pool: pg.Pool) {}

  /** False when an export of that name exists already. */
  async create(name: string, directory: string, format: ExportFormat): Promise<boolean> {
    const { rowCount } = await this.pool.query(SQL.create, [name, directory, format]);
    return rowCount === 1;
  }

  async find(name: string): Promise<ExportDefinition | undefined> {
    const { rows } = await this.pool.query<ExportRow>(SQL.find, [name]);
    return rows[0] && toDefinition(rows[0]);
  }

  async list(): Promise<ExportDefinition[]> {
    const { rows } = await this.pool.query<ExportRow>(SQL.list);
    return rows.map(toDefinition);
  }

  /** False when the checkpoint was not at `from` (another run moved it). */
  async advance(name: string, from: Position, to: Position, events: number): Promise<boolean> {
    const { rowCount } = await this.pool.query(SQL.advance, [
      name,
      from.commit.toString(),
      from.prepare.toString(),
      to.commit.toString(),
      to.prepare.toString(),
      events,
    ]);
    return rowCount === 1;
  }
}
