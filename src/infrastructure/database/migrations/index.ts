import { type Migration } from '../migrator.js';
import { eventStoreMigration } from './001-event-store.migration.js';

export const MIGRATIONS: readonly Migration[] = [eventStoreMigration];
