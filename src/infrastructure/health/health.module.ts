import { Global, Inject, Module, type OnModuleInit } from '@nestjs/common';
import { TerminusModule } from '@nestjs/terminus';
import type pg from 'pg';
import { EVENT_STORE, type EventStore } from '../../event-store/event-store.port.js';
import { DATABASE_POOL, READ_DATABASE_POOL } from '../database/database.tokens.js';
import { type ReadPool } from '../database/read-pool.js';
import { HealthController } from './health.controller.js';
import { Readiness } from './readiness.service.js';

/**
 * /health/live and /health/ready on @nestjs/terminus. Global, so that a feature adds a
 * readiness check of its own (Readiness.register) without importing this module; what
 * every process needs, PostgreSQL (and its read replica) and the event store, is added here.
 */
@Global()
@Module({
  // Readiness logs its own changes, once each: Terminus would log every failed probe.
  imports: [TerminusModule.forRoot({ logger: false })],
  providers: [Readiness],
  controllers: [HealthController],
  exports: [Readiness],
})
export class HealthModule implements OnModuleInit {
  constructor(
    private readonly readiness: Readiness,
    @Inject(DATABASE_POOL) private readonly pool: pg.Pool,
    @Inject(EVENT_STORE) private readonly store: EventStore,
    @Inject(READ_DATABASE_POOL) private readonly reads: ReadPool,
  ) {}

  onModuleInit(): void {
    this.readiness.register({
      key: 'postgres',
      run: async () => {
        await this.pool.query('SELECT 1');
        return { status: 'up' };
      },
    });
    // With DATABASE_READ_URL every query reads there: a replica that does not answer is down.
    if (this.reads.replica) {
      this.readiness.register({
        key: 'readReplica',
        run: async () => {
          await this.reads.pool.query('SELECT 1');
          return { status: 'up' };
        },
      });
    }
    this.readiness.register({
      key: 'eventStore',
      run: async () => {
        await this.store.headPosition();
        return { status: 'up' };
      },
    });
  }
}
