import { gql } from 'urql';
import { type Coverage } from './dashboard.operations';

export interface AccountFields {
  readonly id: string;
  readonly customerId: string;
  readonly name: string;
  readonly currency: string;
  readonly status: string;
  readonly balance: string;
  readonly reserved: string;
  readonly available: string;
  readonly openedAt: string;
}

export interface HoldingFields {
  readonly instrument: string;
  readonly currency: string;
  readonly quantity: string;
  readonly reserved: string;
  readonly available: string;
  readonly averageCost: string;
}

export interface StatementLine {
  readonly position: string;
  readonly occurredAt: string;
  readonly entryType: string;
  readonly description: string;
  readonly amount: string;
  readonly balanceAfter: string;
  readonly currency: string;
}

export interface AccountsData {
  readonly accounts: Coverage & {
    readonly nodes: readonly AccountFields[];
    readonly pageInfo: { endCursor: string | null; hasNextPage: boolean };
  };
}

const ACCOUNT_FIELDS = 'id customerId name currency status balance reserved available openedAt';
const HOLDING_FIELDS = 'instrument currency quantity reserved available averageCost';

export const ACCOUNTS_QUERY = gql<
  AccountsData,
  { customerId: string | null; after: string | null }
>`
  query Accounts($customerId: String, $after: String) {
    accounts(customerId: $customerId, first: 25, after: $after) {
      position
      stale
      nodes { ${ACCOUNT_FIELDS} }
      pageInfo { endCursor hasNextPage }
    }
  }
`;

/** Statement lines read at most: the first page of the statement (200 in ACCOUNT_QUERY). */
export const STATEMENT_LINES = 200;

export interface AccountData {
  readonly account: AccountFields | null;
  readonly holdings: readonly HoldingFields[];
  readonly accountStatement: Coverage & {
    readonly nodes: readonly StatementLine[];
    readonly pageInfo: { hasNextPage: boolean };
  };
}

export const ACCOUNT_QUERY = gql<AccountData, { id: string }>`
  query Account($id: ID!) {
    account(id: $id) { ${ACCOUNT_FIELDS} }
    holdings(accountId: $id) { ${HOLDING_FIELDS} }
    accountStatement(accountId: $id, first: 200) {
      position
      stale
      nodes { position occurredAt entryType description amount balanceAfter currency }
      pageInfo { hasNextPage }
    }
  }
`;

export interface AccountChange {
  readonly position: string;
  readonly stream: string;
  readonly eventType: string;
  readonly occurredAt: string;
  readonly userId: string;
  readonly balanceAfter: string | null;
  readonly availableAfter: string | null;
  readonly instrument: string | null;
  readonly quantityAfter: string | null;
}

export interface AccountAtData {
  readonly accountAt: {
    readonly status: string;
    readonly currency: string;
    readonly balance: string;
    readonly reserved: string;
    readonly available: string;
    readonly holdings: readonly HoldingFields[];
    readonly position: string | null;
    readonly headPosition: string;
    readonly changeCount: number;
    readonly changes: readonly AccountChange[];
  };
}

export interface TravelPoint {
  position?: string;
  time?: string;
}

export const ACCOUNT_AT_QUERY = gql<AccountAtData, { id: string; at: TravelPoint | null }>`
  query AccountAt($id: ID!, $at: AccountAtInput) {
    accountAt(id: $id, at: $at) {
      status
      currency
      balance
      reserved
      available
      holdings { ${HOLDING_FIELDS} }
      position
      headPosition
      changeCount
      changes {
        position stream eventType occurredAt userId balanceAfter availableAfter instrument quantityAfter
      }
    }
  }
`;
