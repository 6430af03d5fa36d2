import { type Projection } from '../engine/projection.js';
import { accountsProjection } from './accounts.projection.js';
import { holdingsProjection } from './holdings.projection.js';
import { ledgerEntriesProjection } from './ledger-entries.projection.js';
import { orderSearchProjection } from './order-search.projection.js';
import { ordersProjection } from './orders.projection.js';
import { reportsProjection } from './reports.projection.js';

export {
  accountsProjection,
  holdingsProjection,
  ledgerEntriesProjection,
  orderSearchProjection,
  ordersProjection,
  reportsProjection,
};

/** The PostgreSQL read models, each kept from the global log by its own checkpoint. */
export const VIEW_PROJECTIONS: readonly Projection[] = [
  accountsProjection,
  holdingsProjection,
  ordersProjection,
  ledgerEntriesProjection,
  orderSearchProjection,
  reportsProjection,
];
