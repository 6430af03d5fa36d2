import type pg from 'pg';
import { type HoldingEvent } from '../../domain/holding.events.js';
import { type ProjectionName, type ViewTable, viewTablesOf } from '../../shared/view-tables.js';
import {
  type BulkLoad,
  type ProjectedEvent,
  type Projection,
  type TableNames,
} from '../engine/projection.js';
import { type Column, StagedRows, insertRows, physicalTable } from './batch-sql.js';
import { eventTypes, holdingOfStream, occurredAt } from './event-fields.js';

const NAME: ProjectionName = 'holdings';
const HOLDINGS: ViewTable = 'view_holdings';

/** What a batch changes on one holding: every column is a sum, so deltas suffice. */
interface HoldingDelta {
  readonly accountId: string;
  readonly instrument: string;
  quantity: bigint;
  reservedQuantity: bigint;
  costBasisMinor: bigint;
  updatedAt: string;
}

type Change = Pick<HoldingDelta, 'quantity' | 'reservedQuantity' | 'costBasisMinor'>;

function change(event: HoldingEvent): Change {
  switch (event.type) {
    case 'SharesReserved':
      return { quantity: 0n, reservedQuantity: event.data.quantity, costBasisMinor: 0n };
    case 'ShareReservationReleased':
      return { quantity: 0n, reservedQuantity: -event.data.quantity, costBasisMinor: 0n };
    case 'SharesAcquired':
      return {
        quantity: event.data.quantity,
        reservedQuantity: 0n,
        costBasisMinor: event.data.costMinor,
      };
    case 'SharesDisposed':
      return {
        quantity: -event.data.quantity,
        reservedQuantity: -event.data.fromReservationQuantity,
        costBasisMinor: -event.data.costBasisMinor,
      };
  }
}

const isHoldingEvent = eventTypes(
  'SharesReserved',
  'ShareReservationReleased',
  'SharesAcquired',
  'SharesDisposed',
);

const COLUMNS: readonly Column<HoldingDelta>[] = [
  { name: 'account_id', type: 'text', value: (row) => row.accountId },
  { name: 'instrument', type: 'text', value: (row) => row.instrument },
  { name: 'quantity', type: 'numeric', value: (row) => row.quantity },
  { name: 'reserved_quantity', type: 'numeric', value: (row) => row.reservedQuantity },
  { name: 'cost_basis_minor', type: 'numeric', value: (row) => row.costBasisMinor },
  { name: 'updated_at', type: 'timestamptz', value: (row) => row.updatedAt },
];

/** Adds the batch's changes to `deltas`, by holding; answers the keys of those it changed. */
function fold(deltas: Map<string, HoldingDelta>, events: readonly ProjectedEvent[]): Set<string> {
  const touched = new Set<string>();
  for (const projected of events) {
    const { event } = projected;
    if (!isHoldingEvent(event)) continue;
    const { accountId, instrument } = holdingOfStream(projected.recorded.streamId);
    const key = `${accountId}\u0000${instrument}`;
    const delta = deltas.get(key) ?? {
      accountId,
      instrument,
      quantity: 0n,
      reservedQuantity: 0n,
      costBasisMinor: 0n,
      updatedAt: '',
    };
    const { quantity, reservedQuantity, costBasisMinor } = change(event);
    delta.quantity += quantity;
    delta.reservedQuantity += reservedQuantity;
    delta.costBasisMinor += costBasisMinor;
    delta.updatedAt = occurredAt(projected);
    deltas.set(key, delta);
    touched.add(key);
  }
  return touched;
}

async function apply(
  client: pg.ClientBase,
  events: readonly ProjectedEvent[],
  tables: TableNames,
): Promise<void> {
  const deltas = new Map<string, HoldingDelta>();
  fold(deltas, events);
  // A holding starts at zero: its first delta is its row; later ones add to the row.
  await insertRows(
    client,
    physicalTable(tables, HOLDINGS),
    COLUMNS,
    [...deltas.values()],
    `ON CONFLICT (account_id, instrument) DO UPDATE SET
       quantity = target.quantity + EXCLUDED.quantity,
       reserved_quantity = target.reserved_quantity + EXCLUDED.reserved_quantity,
       cost_basis_minor = target.cost_basis_minor + EXCLUDED.cost_basis_minor,
       updated_at = EXCLUDED.updated_at`,
  );
}

/**
 * From the start of the log, the deltas summed over all batches are the rows: each
 * flush overwrites a holding with its sum so far (the apply's upsert adds a batch's
 * delta instead, to a row it has not read).
 */
function bulkLoad(tables: TableNames): BulkLoad {
  const holdings = new StagedRows(new Map<string, HoldingDelta>(), COLUMNS, [
    'account_id',
    'instrument',
  ]);
  return {
    add: (_client, events) => {
      for (const key of fold(holdings.rows, events)) holdings.touch(key);
      return Promise.resolve();
    },
    flush: (client) => holdings.flush(client, physicalTable(tables, HOLDINGS)),
  };
}

/** Shares held per account and instrument, with what is reserved and their cost basis. */
export const holdingsProjection: Projection = {
  name: NAME,
  tables: viewTablesOf(NAME),
  eventTypes: isHoldingEvent.types,
  apply,
  bulkLoad,
};
