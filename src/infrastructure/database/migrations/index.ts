import { type Migration } from '../migrator.js';
import { eventStoreMigration } from './001-event-store.migration.js';
import { commandResultsMigration } from './002-command-results.migration.js';
import { projectionsMigration } from './003-projections.migration.js';
import { orderSagasMigration } from './004-order-sagas.migration.js';
import { marketBookMigration } from './005-market-book.migration.js';
import { appendersHorizonMigration } from './006-appenders-horizon.migration.js';
import { searchReportsMigration } from './007-search-reports.migration.js';
import { horizonProvenWritersMigration } from './008-horizon-proven-writers.migration.js';
import { exportsMigration } from './009-exports.migration.js';
import { orderSearchFacetsMigration } from './010-order-search-facets.migration.js';
import { orderSearchByInstrumentMigration } from './011-order-search-by-instrument.migration.js';

export const MIGRATIONS: readonly Migration[] = [
  eventStoreMigration,
  commandResultsMigration,
  projectionsMigration,
  orderSagasMigration,
  marketBookMigration,
  appendersHorizonMigration,
  searchReportsMigration,
  horizonProvenWritersMigration,
  exportsMigration,
  orderSearchFacetsMigration,
  orderSearchByInstrumentMigration,
];
