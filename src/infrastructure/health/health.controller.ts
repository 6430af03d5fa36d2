import { Controller, Get, Inject, ServiceUnavailableException } from '@nestjs/common';
import type pg from 'pg';
import { DATABASE_POOL } from '../database/database.tokens.js';
import { EVENT_STORE, type EventStore } from '../../event-store/event-store.port.js';

const READINESS_TIMEOUT_MS = 2_000;

function withTimeout<T>(work: Promise<T>, timeoutMs: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`timed out after ${timeoutMs} ms`)), timeoutMs);
  });
  return Promise.race([work, timeout]).finally(() => clearTimeout(timer));
}

@Controller('health')
export class HealthController {
  constructor(
    @Inject(DATABASE_POOL) private readonly pool: pg.Pool,
    @Inject(EVENT_STORE) private readonly store: EventStore,
  ) {}

  /** The process is up. */
  @Get('live')
  live(): { status: 'ok' } {
    return { status: 'ok' };
  }

  /** The process can serve: PostgreSQL and the event store answer. */
  @Get('ready')
  async ready(): Promise<{ status: 'ok' }> {
    try {
      await withTimeout(
        Promise.all([this.pool.query('SELECT 1'), this.store.headPosition()]),
        READINESS_TIMEOUT_MS,
      );
      return { status: 'ok' };
    } catch (error) {
      throw new ServiceUnavailableException(`not ready: ${(error as Error).message}`);
    }
  }
}
