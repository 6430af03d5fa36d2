import { Inject, Injectable, type OnModuleInit, Optional } from '@nestjs/common';
import { LEDGER_CONFIG, type LedgerConfig } from '../../config/ledger-config.js';
import { type ReadinessVerdict } from '../../infrastructure/health/readiness-check.js';
import { Readiness } from '../../infrastructure/health/readiness.service.js';
import { PROJECTION_NAMES } from '../../shared/view-tables.js';
import { ProjectionStatusRepository } from '../repositories/projection-status.repository.js';

/**
 * The views' lag on /health/ready: over LEDGER_READY_MAX_LAG_SECONDS it is `degraded`
 * (reported, still ready) or, with LEDGER_READY_LAG=fail, `down`. Reporting is the
 * default because lag is the same for every replica: the projectors' checkpoints are
 * shared, so a rebuild's catch-up or one stuck projector would make every replica
 * unready at once, and the API would refuse commands and the many reads that do not
 * need fresh views, for a fault that taking replicas out cannot mend.
 */
@Injectable()
export class ProjectionLagCheck implements OnModuleInit {
  constructor(
    private readonly checkpoints: ProjectionStatusRepository,
    @Inject(LEDGER_CONFIG) private readonly config: LedgerConfig,
    // Absent where the read side runs without the HTTP edge (a CLI or test context).
    @Optional() private readonly readiness?: Readiness,
  ) {}

  onModuleInit(): void {
    this.readiness?.register({ key: 'projectionLag', run: () => this.verdict() });
  }

  async verdict(): Promise<ReadinessVerdict> {
    // Lag is measured against ledger_events, which holds the log only on the PostgreSQL store.
    if (this.config.eventStoreUrl !== undefined) {
      return { status: 'up', data: { measured: false } };
    }
    const { readyMaxLagSeconds, readyLagPolicy } = this.config.health;
    const lagSeconds: Record<string, number> = {};
    for (const [name, lagMs] of await this.checkpoints.lagMs(PROJECTION_NAMES)) {
      lagSeconds[name] = Math.round(lagMs) / 1_000;
    }
    const behind = Object.keys(lagSeconds).filter((name) => lagSeconds[name]! > readyMaxLagSeconds);
    const data = { maxLagSeconds: readyMaxLagSeconds, lagSeconds, behind };
    if (behind.length === 0) return { status: 'up', data };
    return { status: readyLagPolicy === 'fail' ? 'down' : 'degraded', data };
  }
}
