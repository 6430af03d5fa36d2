import { Global, Inject, Module, type OnApplicationShutdown } from '@nestjs/common';
import type pg from 'pg';
import { LEDGER_CONFIG, type LedgerConfig } from '../../config/ledger-config.js';
import { DATABASE_POOL } from '../database/database.tokens.js';
import { EVENT_STORE, type EventStore } from '../../event-store/event-store.port.js';
import { openEventStore } from './open-event-store.js';

@Global()
@Module({
  providers: [
    {
      provide: EVENT_STORE,
      inject: [LEDGER_CONFIG, DATABASE_POOL],
      useFactory: (config: LedgerConfig, pool: pg.Pool): EventStore =>
        openEventStore(config.eventStoreUrl, pool),
    },
  ],
  exports: [EVENT_STORE],
})
export class EventStoreModule implements OnApplicationShutdown {
  constructor(@Inject(EVENT_STORE) private readonly store: EventStore) {}

  async onApplicationShutdown(): Promise<void> {
    await this.store.close();
  }
}
