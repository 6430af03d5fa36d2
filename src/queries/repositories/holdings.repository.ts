import { Inject, Injectable } from '@nestjs/common';
import { READ_DATABASE_POOL } from '../../infrastructure/database/database.tokens.js';
import { type ReadQueries } from '../../infrastructure/database/read-pool.js';

/** More instruments than an account can hold: the list is not paged. */
export const MAX_HOLDINGS_PER_ACCOUNT = 1_000;

export interface HoldingView {
  readonly accountId: string;
  readonly instrument: string;
  readonly quantity: bigint;
  readonly reservedQuantity: bigint;
  readonly costBasisMinor: bigint;
  readonly updatedAt: Date;
}

interface HoldingRow {
  account_id: string;
  instrument: string;
  quantity: string;
  reserved_quantity: string;
  cost_basis_minor: string;
  updated_at: Date;
}

/** view_holdings (kept by the `holdings` projector). */
@Injectable()
export class HoldingsRepository {
  constructor(@Inject(READ_DATABASE_POOL) private readonly pool: ReadQueries) {}

  /** The account's positions by instrument; a position sold down to nothing is left out. */
  async listByAccount(accountId: string): Promise<HoldingView[]> {
    const { rows } = await this.pool.query<HoldingRow>(
      `SELECT account_id, instrument, quantity::text AS quantity,
              reserved_quantity::text AS reserved_quantity,
              cost_basis_minor::text AS cost_basis_minor, updated_at
       FROM view_holdings
       WHERE account_id = $1 AND (quantity <> 0 OR reserved_quantity <> 0)
       ORDER BY instrument LIMIT $2`,
      [accountId, MAX_HOLDINGS_PER_ACCOUNT],
    );
    return rows.map((row) => ({
      accountId: row.account_id,
      instrument: row.instrument,
      quantity: BigInt(row.quantity),
      reservedQuantity: BigInt(row.reserved_quantity),
      costBasisMinor: BigInt(row.cost_basis_minor),
      updatedAt: row.updated_at,
    }));
  }
}
