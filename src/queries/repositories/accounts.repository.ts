import { Inject, Injectable } from '@nestjs/common';
import { READ_DATABASE_POOL } from '../../infrastructure/database/database.tokens.js';
import { type NamedStatement } from '../../infrastructure/database/named-statement.js';
import { type ReadQueries } from '../../infrastructure/database/read-pool.js';
import { type Slice, sliceOf } from '../paging/page.js';

export interface AccountView {
  readonly accountId: string;
  readonly customerId: string;
  readonly name: string;
  readonly currency: string;
  readonly status: string;
  readonly balanceMinor: bigint;
  readonly reservedMinor: bigint;
  readonly openedAt: Date;
  readonly updatedAt: Date;
}

interface AccountRow {
  account_id: string;
  customer_id: string;
  name: string;
  currency: string;
  status: string;
  balance_minor: string;
  reserved_minor: string;
  opened_at: Date;
  updated_at: Date;
}

const COLUMNS = `account_id, customer_id, name, currency, status, balance_minor::text AS balance_minor,
  reserved_minor::text AS reserved_minor, opened_at, updated_at`;

/** Read after nearly every command (a consistent read): prepared once per connection. */
const FIND_BY_ID: NamedStatement = {
  name: 'accounts_find_by_id',
  text: `SELECT ${COLUMNS} FROM view_accounts WHERE account_id = $1`,
};

function toView(row: AccountRow): AccountView {
  return {
    accountId: row.account_id,
    customerId: row.customer_id,
    name: row.name,
    currency: row.currency,
    status: row.status,
    balanceMinor: BigInt(row.balance_minor),
    reservedMinor: BigInt(row.reserved_minor),
    openedAt: row.opened_at,
    updatedAt: row.updated_at,
  };
}

/** view_accounts (kept by the `accounts` projector). */
@Injectable()
export class AccountsRepository {
  constructor(@Inject(READ_DATABASE_POOL) private readonly pool: ReadQueries) {}

  async findById(accountId: string): Promise<AccountView | undefined> {
    const { rows } = await this.pool.query<AccountRow>(FIND_BY_ID, [accountId]);
    return rows[0] === undefined ? undefined : toView(rows[0]);
  }

  /** Accounts in id order (the primary key is the keyset), optionally of one customer. */
  async list(options: {
    customerId: string | undefined;
    afterAccountId: string | undefined;
    limit: number;
  }): Promise<Slice<AccountView>> {
    const { rows } = await this.pool.query<AccountRow>(
      `SELECT ${COLUMNS} FROM view_accounts
       WHERE ($1::text IS NULL OR customer_id = $1) AND ($2::text IS NULL OR account_id > $2)
       ORDER BY account_id LIMIT $3`,
      [options.customerId ?? null, options.afterAccountId ?? null, options.limit + 1],
    );
    return sliceOf(rows.map(toView), options.limit);
  }
}
