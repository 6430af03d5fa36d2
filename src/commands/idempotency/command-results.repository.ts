import { Inject, Injectable } from '@nestjs/common';
import type pg from 'pg';
import { DATABASE_POOL } from '../../infrastructure/database/database.tokens.js';
import { type CommandResult } from './command-result.js';

export interface StoredCommandResult {
  readonly commandName: string;
  readonly fingerprint: string;
  readonly result: CommandResult;
}

@Injectable()
export class CommandResultsRepository {
  constructor(@Inject(DATABASE_POOL) private readonly pool: pg.Pool) {}

  async find(commandId: string): Promise<StoredCommandResult | undefined> {
    const { rows } = await this.pool.query<{
      command_name: string;
      fingerprint: string;
      result: CommandResult;
    }>(
      'SELECT command_name, fingerprint, result FROM ledger_command_results WHERE command_id = $1',
      [commandId],
    );
    const row = rows[0];
    return (
      row && { commandName: row.command_name, fingerprint: row.fingerprint, result: row.result }
    );
  }

  /** Records the result unless one is there already; returns whichever is stored. */
  async saveFirst(commandId: string, stored: StoredCommandResult): Promise<StoredCommandResult> {
    const { rowCount } = await this.pool.query(
      `INSERT INTO ledger_command_results (command_id, command_name, fingerprint, result)
       VALUES ($1, $2, $3, $4) ON CONFLICT (command_id) DO NOTHING`,
      [commandId, stored.commandName, stored.fingerprint, JSON.stringify(stored.result)],
    );
    if (rowCount === 1) return stored;
    return (await this.find(commandId)) ?? stored;
  }
}
