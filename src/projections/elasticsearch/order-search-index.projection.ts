import { type Client } from '@elastic/elasticsearch';
import type pg from 'pg';
import { type Position, comparePositions } from '../../event-store/position.js';
import { type BackoffPolicy } from '../../infrastructure/resilience/backoff.js';
import {
  DEFAULT_BULK_RETRY,
  type IndexAction,
  writeBulk,
} from '../../infrastructure/elasticsearch/bulk-writer.js';
import { externalVersion } from '../../infrastructure/elasticsearch/external-version.js';
import { ORDERS_INDEX, PAYMENTS_INDEX } from '../../infrastructure/elasticsearch/search-indexes.js';
import { ORDER_SEARCH_ELASTICSEARCH } from '../../shared/search-projections.js';
import { type ParkedEventsRepository } from '../engine/parked-events.repository.js';
import { type ProjectedEvent, type Projection, type TableNames } from '../engine/projection.js';
import { accountIdOfStream } from '../views/event-fields.js';
import { carriesPostings } from '../views/ledger-entries.projection.js';
import {
  type OrderEventAt,
  type OrderRow,
  foldOrders,
  isFeeEvent,
  isOrderEvent,
  orderEvents,
} from '../views/order-fold.js';
import { type AccountDirectory } from './account-directory.js';
import {
  type StoredOrder,
  orderDocument,
  paymentDocument,
  pendingFeeDocument,
  storedOrder,
} from './search-documents.js';

export { ORDER_SEARCH_ELASTICSEARCH };

/** What the indexer has done since the process started (the /metrics gauges). */
export interface IndexerCounters {
  written: number;
  /** Items Elasticsearch already had at this version or later: applied before (a replay). */
  versionConflicts: number;
  parked: number;
}

/** A bulk item and the events it carries, parked together if Elasticsearch refuses it. */
interface SourcedAction {
  readonly action: IndexAction;
  readonly sources: readonly ProjectedEvent[];
}

/**
 * The order-search index and the payments (ledger) index, kept from the log by the
 * projection runner: the runner reads the log, retries, splits and parks, and moves the
 * checkpoint (kept in PostgreSQL) only after `apply` returns, which it does only once
 * every bulk item is settled. The `tables` it is given are index names: the aliases
 * when live, a rebuild's new indexes otherwise.
 *
 * Idempotent: each order document stores the position it reflects and the fold skips
 * events at or below it (a batch replayed after a crash that came between the bulk and
 * the checkpoint changes nothing), and every write carries an external version from the
 * position (external-version.ts). An item refused for good (a mapping error, say) parks
 * the events it carried, with the reason, in the runner's transaction; the rest goes on.
 */
export class OrderSearchIndexProjection implements Projection {
  readonly name = ORDER_SEARCH_ELASTICSEARCH;
  readonly tables = [ORDERS_INDEX.alias, PAYMENTS_INDEX.alias];
  readonly eventTypes = [...isOrderEvent.types, ...isFeeEvent.types, ...carriesPostings.types];
  readonly counters: IndexerCounters = { written: 0, versionConflicts: 0, parked: 0 };

  constructor(
    private readonly client: Client,
    private readonly accounts: AccountDirectory,
    private readonly parked: ParkedEventsRepository,
    private readonly bulkRetry: BackoffPolicy = DEFAULT_BULK_RETRY,
  ) {}

  async apply(
    client: pg.ClientBase,
    events: readonly ProjectedEvent[],
    tables: TableNames,
  ): Promise<void> {
    const ordersIndex = indexOf(tables, ORDERS_INDEX.alias);
    const paymentsIndex = indexOf(tables, PAYMENTS_INDEX.alias);
    const sourced = [
      ...(await this.orderActions(ordersIndex, events)),
      ...(await this.paymentActions(paymentsIndex, events)),
    ];
    if (sourced.length === 0) return;
    const outcome = await writeBulk(
      this.client,
      sourced.map(({ action }) => action),
      this.bulkRetry,
    );
    this.counters.written += outcome.written;
    this.counters.versionConflicts += outcome.conflicts;
    for (const failure of outcome.failures) {
      const { sources } = sourced.find(({ action }) => action === failure.action)!;
      const reason = `${failure.action.index}/${failure.action.id}: ${failure.type}: ${failure.reason}`;
      for (const { recorded } of sources) {
        await this.parked.park(client, this.name, recorded, reason, 1);
        this.counters.parked++;
      }
    }
  }

  /** Order documents the batch changes: read (mget), folded past their positions, rewritten whole. */
  private async orderActions(
    index: string,
    events: readonly ProjectedEvent[],
  ): Promise<SourcedAction[]> {
    const relevant = orderEvents(events);
    if (relevant.length === 0) return [];
    const stored = await this.readOrders(index, [...new Set(relevant.map(orderIdOf))]);
    const orders = new Map<string, OrderRow>();
    const fees = new Map<string, bigint>();
    for (const [orderId, doc] of stored) {
      if (doc.row) orders.set(orderId, doc.row);
      if (doc.pendingFeeMinor !== undefined) fees.set(orderId, doc.pendingFeeMinor);
    }
    const fresh = relevant.filter((at) => {
      const known = stored.get(orderIdOf(at));
      return !known || comparePositions(at.projected.recorded.position, known.position) > 0;
    });
    const { touched, feesChanged } = foldOrders(orders, fees, fresh);
    const sources = groupBy(fresh, orderIdOf);
    const customers = await this.customersOf(touched, stored);
    const actions: SourcedAction[] = [];
    for (const [orderId, mine] of sources) {
      const at = mine[mine.length - 1]!.recorded.position;
      const row = touched.get(orderId);
      const fee = feesChanged.get(orderId);
      const document = row
        ? orderDocument(row, customers.get(orderId)!, at)
        : fee && pendingFeeDocument(orderId, fee.feeMinor, at);
      if (!document) continue;
      actions.push({
        action: versioned(index, orderId, at, 'external_gte', document),
        sources: mine,
      });
    }
    return actions;
  }

  private async readOrders(
    index: string,
    ids: readonly string[],
  ): Promise<Map<string, StoredOrder>> {
    const { docs } = await this.client.mget<Record<string, unknown>>({ index, ids: [...ids] });
    const stored = new Map<string, StoredOrder>();
    for (const doc of docs) {
      if ('error' in doc)
        throw new Error(`mget of order ${doc._id}: ${doc.error.reason ?? doc.error.type}`);
      if (doc.found && doc._source) stored.set(doc._id, storedOrder(doc._source));
    }
    return stored;
  }

  /** The customer of each touched order: stored on its document, else its account's. */
  private async customersOf(
    touched: ReadonlyMap<string, OrderRow>,
    stored: ReadonlyMap<string, StoredOrder>,
  ): Promise<Map<string, string>> {
    const unknown = [...touched.values()].filter((row) => !stored.get(row.orderId)?.customerId);
    const facts = await this.accounts.factsOf(unknown.map((row) => row.accountId));
    return new Map(
      [...touched.values()].map((row) => [
        row.orderId,
        stored.get(row.orderId)?.customerId ?? facts.get(row.accountId)!.customerId,
      ]),
    );
  }

  /** One write-once document per payment. */
  private async paymentActions(
    index: string,
    events: readonly ProjectedEvent[],
  ): Promise<SourcedAction[]> {
    const payments = events.flatMap((projected) => {
      const { event } = projected;
      if (!carriesPostings(event)) return [];
      return [{ projected, event, accountId: accountIdOfStream(projected.recorded.streamId) }];
    });
    if (payments.length === 0) return [];
    const facts = await this.accounts.factsOf(payments.map((payment) => payment.accountId));
    return payments.map(({ projected, event, accountId }) => ({
      action: versioned(
        index,
        event.data.paymentId,
        projected.recorded.position,
        'external',
        paymentDocument(projected, event, accountId, facts.get(accountId)!),
      ),
      sources: [projected],
    }));
  }
}

function indexOf(tables: TableNames, alias: string): string {
  const index = tables[alias];
  if (!index) throw new Error(`No index bound for ${alias}`);
  return index;
}

function orderIdOf(at: OrderEventAt): string {
  return at.event.data.orderId;
}

function groupBy(events: readonly OrderEventAt[], key: (at: OrderEventAt) => string) {
  const groups = new Map<string, ProjectedEvent[]>();
  for (const at of events) {
    const group = groups.get(key(at)) ?? [];
    group.push(at.projected);
    groups.set(key(at), group);
  }
  return groups;
}

function versioned(
  index: string,
  id: string,
  at: Position,
  versionType: IndexAction['versionType'],
  document: Record<string, unknown>,
): IndexAction {
  return { index, id, version: externalVersion(at), versionType, document };
}
