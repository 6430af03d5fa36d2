import { Controller, Get } from '@nestjs/common';
import { HealthCheck, type HealthCheckResult } from '@nestjs/terminus';
import { Readiness } from './readiness.service.js';

@Controller('health')
export class HealthController {
  constructor(private readonly readiness: Readiness) {}

  /**
   * The process is up and its event loop answers: nothing else is looked at, so that a
   * dependency's outage never gets every replica restarted. It stays up during shutdown.
   */
  @Get('live')
  live(): HealthCheckResult {
    const process = { status: 'up' as const };
    return { status: 'ok', info: { process }, error: {}, details: { process } };
  }

  /** Whether the process can serve (see Readiness): 200, or 503 with the same body. */
  @Get('ready')
  @HealthCheck()
  ready(): Promise<HealthCheckResult> {
    return this.readiness.check();
  }
}
