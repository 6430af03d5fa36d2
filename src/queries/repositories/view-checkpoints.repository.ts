import { Inject, Injectable } from '@nestjs/common';
import { READ_DATABASE_POOL } from '../../infrastructure/database/database.tokens.js';
import { type NamedStatement } from '../../infrastructure/database/named-statement.js';
import { type ReadQueries } from '../../infrastructure/database/read-pool.js';
import { type Position } from '../../event-store/position.js';

/** More rows than any deployment has projectors: the table is read whole. */
export const MAX_CHECKPOINTS = 200;

/** Read by every consistency wait, often several times: prepared once per connection. */
const POSITIONS: NamedStatement = {
  name: 'checkpoints_positions',
  text: `SELECT projection, commit_position::text AS commit_position,
              prepare_position::text AS prepare_position, status = 'stopped' AS stopped
       FROM ledger_projection_checkpoints ORDER BY projection LIMIT $1`,
};

export interface CheckpointState {
  readonly position: Position;
  readonly stopped: boolean;
}

interface PositionRow {
  projection: string;
  commit_position: string;
  prepare_position: string;
  stopped: boolean;
}

/**
 * The checkpoints as the server the views are read from has them. On a replica these are
 * the rows it has replayed, committed in the same transactions as the view rows they
 * vouch for: a position read here is one the replica's views have reached.
 */
@Injectable()
export class ViewCheckpointsRepository {
  constructor(@Inject(READ_DATABASE_POOL) private readonly pool: ReadQueries) {}

  /** Where every projection stands, and whether it is stopped (it will not move by itself). */
  async positions(): Promise<Map<string, CheckpointState>> {
    const { rows } = await this.pool.query<PositionRow>(POSITIONS, [MAX_CHECKPOINTS]);
    return new Map(
      rows.map((row) => [
        row.projection,
        {
          position: { commit: BigInt(row.commit_position), prepare: BigInt(row.prepare_position) },
          stopped: row.stopped,
        },
      ]),
    );
  }
}
