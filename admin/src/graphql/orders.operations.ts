import { gql } from 'urql';
import { type Coverage } from './dashboard.operations';

export const ORDER_STATUSES = [
  'PLACED',
  'ACCEPTED',
  'PARTIALLY_FILLED',
  'COMPLETED',
  'REJECTED',
  'FAILED',
  'CANCELLED',
  'EXPIRED',
] as const;
export type OrderStatus = (typeof ORDER_STATUSES)[number];

export interface OrderFields {
  readonly id: string;
  readonly accountId: string;
  readonly side: 'BUY' | 'SELL';
  readonly type: 'MARKET' | 'LIMIT';
  readonly instrument: string;
  readonly quantity: string;
  readonly limitPrice: string | null;
  readonly filledQuantity: string;
  readonly averagePrice: string | null;
  readonly fee: string;
  readonly currency: string;
  readonly status: OrderStatus;
  readonly reason: string | null;
  readonly placedAt: string;
  readonly updatedAt: string;
}

export interface FacetCount {
  readonly value: string;
  readonly count: number;
}

export interface SearchFilter {
  statuses?: string[];
  sides?: string[];
  instruments?: string[];
  accountIds?: string[];
}

export interface SearchData {
  readonly searchOrders: Coverage & {
    readonly total: number;
    readonly nodes: readonly (OrderFields & { customerId: string | null })[];
    readonly pageInfo: { endCursor: string | null; hasNextPage: boolean };
    readonly facets: {
      status: readonly FacetCount[];
      side: readonly FacetCount[];
      instrument: readonly FacetCount[];
      account: readonly FacetCount[];
    };
  };
}

export interface SearchVariables {
  text: string | null;
  filter: SearchFilter;
  first: number;
  after: string | null;
  [name: string]: unknown;
}

const ORDER_FIELDS = `
  id accountId side type instrument quantity limitPrice filledQuantity averagePrice fee
  currency status reason placedAt updatedAt
`;

export const SEARCH_ORDERS_QUERY = gql<SearchData, SearchVariables>`
  query SearchOrders($text: String, $filter: OrderSearchFilterInput, $first: Int, $after: String) {
    searchOrders(text: $text, filter: $filter, first: $first, after: $after) {
      position
      stale
      total
      nodes { ${ORDER_FIELDS} customerId }
      pageInfo { endCursor hasNextPage }
      facets {
        status { value count }
        side { value count }
        instrument { value count }
        account { value count }
      }
    }
  }
`;

export interface AuditEntry {
  readonly position: string;
  readonly stream: string;
  readonly eventType: string;
  readonly occurredAt: string;
  readonly userId: string;
  readonly initiatorId: string | null;
  readonly correlationId: string;
  readonly causationId: string;
  readonly commandId: string;
}

export interface OrderData {
  readonly order: OrderFields | null;
}

export const ORDER_QUERY = gql<OrderData, { id: string }>`
  query Order($id: ID!) {
    order(id: $id) { ${ORDER_FIELDS} }
  }
`;

export interface AuditTrailData {
  readonly auditTrail: {
    readonly position: string;
    readonly nodes: readonly AuditEntry[];
    readonly pageInfo: { endCursor: string | null; hasNextPage: boolean };
  };
}

export const AUDIT_TRAIL_QUERY = gql<AuditTrailData, { accountId: string; after: string | null }>`
  query AuditTrail($accountId: ID!, $after: String) {
    auditTrail(accountId: $accountId, first: 200, after: $after) {
      position
      nodes {
        position
        stream
        eventType
        occurredAt
        userId
        initiatorId
        correlationId
        causationId
        commandId
      }
      pageInfo {
        endCursor
        hasNextPage
      }
    }
  }
`;
