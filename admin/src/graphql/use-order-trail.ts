import { useEffect, useState } from 'react';
import { type CombinedError, useClient } from 'urql';
import { type ShownError, shownError } from './errors';
import { AUDIT_TRAIL_QUERY, type AuditEntry, type AuditTrailData } from './orders.operations';

/** Pages of 200 read at most: an order's events are near its account's, rarely further. */
const MAX_PAGES = 10;

export interface OrderTrail {
  readonly entries: readonly AuditEntry[] | undefined;
  readonly error: ShownError | undefined;
  /** True when the account's log had more than MAX_PAGES pages: later events may be missing. */
  readonly cut: boolean;
}

/**
 * The events of one order, in log order: its own stream and its saga's, read from the
 * account's audit trail (the log itself, never a view).
 */
export function useOrderTrail(accountId: string | undefined, orderId: string): OrderTrail {
  const client = useClient();
  const [trail, setTrail] = useState<OrderTrail>({
    entries: undefined,
    error: undefined,
    cut: false,
  });
  useEffect(() => {
    if (accountId === undefined) return;
    let live = true;
    const streams = new Set([`order-${orderId}`, `order-saga-${orderId}`]);
    void (async () => {
      const entries: AuditEntry[] = [];
      let after: string | null = null;
      for (let page = 0; page < MAX_PAGES; page += 1) {
        const result: { data?: AuditTrailData; error?: CombinedError } = await client
          .query(AUDIT_TRAIL_QUERY, { accountId, after }, { requestPolicy: 'network-only' })
          .toPromise();
        if (!live) return;
        if (result.error)
          return setTrail({ entries: undefined, error: shownError(result.error), cut: false });
        const connection: AuditTrailData['auditTrail'] = result.data!.auditTrail;
        entries.push(...connection.nodes.filter((entry) => streams.has(entry.stream)));
        if (!connection.pageInfo.hasNextPage)
          return setTrail({ entries, error: undefined, cut: false });
        after = connection.pageInfo.endCursor;
      }
      setTrail({ entries, error: undefined, cut: true });
    })();
    return () => {
      live = false;
    };
  }, [client, accountId, orderId]);
  return trail;
}
