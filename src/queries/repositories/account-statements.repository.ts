import { Inject, Injectable } from '@nestjs/common';
import { READ_DATABASE_POOL } from '../../infrastructure/database/database.tokens.js';
import { type ReadQueries } from '../../infrastructure/database/read-pool.js';
import { type Position } from '../../event-store/position.js';
import { type Slice, sliceOf } from '../paging/page.js';

export interface StatementLineView {
  readonly accountId: string;
  readonly position: Position;
  readonly entryType: string;
  readonly description: string;
  readonly amountMinor: bigint;
  readonly balanceAfterMinor: bigint;
  readonly currency: string;
  readonly occurredAt: Date;
}

interface StatementLineRow {
  account_id: string;
  commit_position: string;
  prepare_position: string;
  entry_type: string;
  description: string;
  amount_minor: string;
  balance_after_minor: string;
  currency: string;
  occurred_at: Date;
}

/**
 * view_account_statements, with the currency from view_accounts: both are kept by the
 * `accounts` projector, so the join never sees one ahead of the other.
 */
@Injectable()
export class AccountStatementsRepository {
  constructor(@Inject(READ_DATABASE_POOL) private readonly pool: ReadQueries) {}

  /** The account's cash movements in log order, oldest first, each with the balance after it. */
  async list(
    accountId: string,
    page: { after: Position | undefined; limit: number },
  ): Promise<Slice<StatementLineView>> {
    // ORDER BY stays qualified: bare, it would sort by the text output columns ('1000' < '999').
    const { rows } = await this.pool.query<StatementLineRow>(
      `SELECT s.account_id, s.commit_position::text AS commit_position,
              s.prepare_position::text AS prepare_position, s.entry_type, s.description,
              s.amount_minor::text AS amount_minor, s.balance_after_minor::text AS balance_after_minor,
              a.currency, s.occurred_at
       FROM view_account_statements s
       JOIN view_accounts a ON a.account_id = s.account_id
       WHERE s.account_id = $1
         AND ($2::numeric IS NULL OR (s.commit_position, s.prepare_position) > ($2, $3::numeric))
       ORDER BY s.commit_position, s.prepare_position LIMIT $4`,
      [
        accountId,
        page.after?.commit.toString() ?? null,
        page.after?.prepare.toString() ?? null,
        page.limit + 1,
      ],
    );
    return sliceOf(
      rows.map((row) => ({
        accountId: row.account_id,
        position: { commit: BigInt(row.commit_position), prepare: BigInt(row.prepare_position) },
        entryType: row.entry_type,
        description: row.description,
        amountMinor: BigInt(row.amount_minor),
        balanceAfterMinor: BigInt(row.balance_after_minor),
        currency: row.currency,
        occurredAt: row.occurred_at,
      })),
      page.limit,
    );
  }
}
