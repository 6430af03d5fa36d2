import { gql } from 'urql';

/** What a report reflects (every view-backed answer carries it). */
export interface Coverage {
  readonly position: string;
  readonly stale: boolean;
}

export interface DashboardData {
  readonly custodyReport: Coverage & {
    readonly rows: readonly {
      currency: string;
      openAccounts: number;
      closedAccounts: number;
      balance: string;
      reserved: string;
    }[];
  };
  readonly openOrders: Coverage & { readonly total: number };
  readonly feesReport: Coverage & {
    readonly partialFrom: string | null;
    readonly rows: readonly { bucketStart: string; currency: string; net: string; count: number }[];
  };
  readonly volumeReport: Coverage & {
    readonly partialFrom: string | null;
    readonly rows: readonly {
      bucketStart: string;
      instrument: string;
      currency: string;
      value: string;
      quantity: string;
      fills: number;
    }[];
  };
  readonly orderOutcomesReport: Coverage & {
    readonly partialFrom: string | null;
    readonly rows: readonly {
      bucketStart: string;
      completed: number;
      rejected: number;
      failed: number;
      cancelled: number;
      expired: number;
      total: number;
    }[];
  };
}

export interface DashboardVariables {
  readonly from: string;
  readonly to: string;
  [name: string]: unknown;
}

export const DASHBOARD_QUERY = gql<DashboardData, DashboardVariables>`
  query Dashboard($from: String!, $to: String!) {
    custodyReport {
      position
      stale
      rows {
        currency
        openAccounts
        closedAccounts
        balance
        reserved
      }
    }
    openOrders: searchOrders(filter: { statuses: [PLACED, ACCEPTED, PARTIALLY_FILLED] }, first: 1) {
      position
      stale
      total
    }
    feesReport(from: $from, to: $to) {
      position
      stale
      partialFrom
      rows {
        bucketStart
        currency
        net
        count
      }
    }
    volumeReport(from: $from, to: $to) {
      position
      stale
      partialFrom
      rows {
        bucketStart
        instrument
        currency
        value
        quantity
        fills
      }
    }
    orderOutcomesReport(from: $from, to: $to) {
      position
      stale
      partialFrom
      rows {
        bucketStart
        completed
        rejected
        failed
        cancelled
        expired
        total
      }
    }
  }
`;
