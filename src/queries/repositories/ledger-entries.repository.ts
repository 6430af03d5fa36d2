import { Inject, Injectable } from '@nestjs/common';
import { READ_DATABASE_POOL } from '../../infrastructure/database/database.tokens.js';
import { type ReadQueries } from '../../infrastructure/database/read-pool.js';
import { type Position } from '../../event-store/position.js';
import { type Slice, sliceOf } from '../paging/page.js';

export interface LedgerEntryView {
  readonly position: Position;
  readonly postingIndex: number;
  readonly ledgerAccount: string;
  readonly accountId: string | null;
  readonly amountMinor: bigint;
  readonly currency: string;
  readonly eventType: string;
  readonly paymentId: string | null;
  readonly orderId: string | null;
  readonly occurredAt: Date;
}

/** Where a page of postings ends: the event's log position, then the posting's index. */
export interface LedgerEntryKey {
  readonly position: Position;
  readonly postingIndex: number;
}

interface LedgerEntryRow {
  commit_position: string;
  prepare_position: string;
  posting_index: number;
  ledger_account: string;
  account_id: string | null;
  amount_minor: string;
  currency: string;
  event_type: string;
  payment_id: string | null;
  order_id: string | null;
  occurred_at: Date;
}

/** view_ledger_entries, the double-entry journal (kept by the `ledger-entries` projector). */
@Injectable()
export class LedgerEntriesRepository {
  constructor(@Inject(READ_DATABASE_POOL) private readonly pool: ReadQueries) {}

  /**
   * Every posting of the account's money movements in log order: both legs of each, the
   * customer's cash and its counterpart (fee income, settlement, the bank).
   */
  async listByAccount(
    accountId: string,
    page: { after: LedgerEntryKey | undefined; limit: number },
  ): Promise<Slice<LedgerEntryView>> {
    const after = page.after;
    // Qualified: a bare ORDER BY name means the output column, and the positions go out
    // as text, which sorts '1000' before '999' while the keyset compares numbers.
    const { rows } = await this.pool.query<LedgerEntryRow>(
      `SELECT e.commit_position::text AS commit_position,
              e.prepare_position::text AS prepare_position, e.posting_index, e.ledger_account,
              e.account_id, e.amount_minor::text AS amount_minor, e.currency, e.event_type,
              e.payment_id, e.order_id, e.occurred_at
       FROM view_ledger_entries e
       WHERE e.account_id = $1
         AND ($2::numeric IS NULL
              OR (e.commit_position, e.prepare_position, e.posting_index)
                 > ($2, $3::numeric, $4::smallint))
       ORDER BY e.commit_position, e.prepare_position, e.posting_index LIMIT $5`,
      [
        accountId,
        after?.position.commit.toString() ?? null,
        after?.position.prepare.toString() ?? null,
        after?.postingIndex ?? null,
        page.limit + 1,
      ],
    );
    return sliceOf(
      rows.map((row) => ({
        position: { commit: BigInt(row.commit_position), prepare: BigInt(row.prepare_position) },
        postingIndex: row.posting_index,
        ledgerAccount: row.ledger_account,
        accountId: row.account_id,
        amountMinor: BigInt(row.amount_minor),
        currency: row.currency,
        eventType: row.event_type,
        paymentId: row.payment_id,
        orderId: row.order_id,
        occurredAt: row.occurred_at,
      })),
      page.limit,
    );
  }
}
