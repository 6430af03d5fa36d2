import { Inject } from '@nestjs/common';
import { type IQueryHandler, QueryHandler } from '@nestjs/cqrs';
import { LEDGER_CONFIG, type LedgerConfig } from '../../config/ledger-config.js';
import { PROJECTION_NAMES } from '../../shared/view-tables.js';
import { ConsistencyService } from '../consistency/consistency.service.js';
import { ConsistentQuery } from '../consistency/consistent-query.js';
import { LogHorizonRepository } from '../repositories/log-horizon.repository.js';
import { ProjectionStatusRepository } from '../repositories/projection-status.repository.js';
import { type ProjectionStatus } from './projection.type.js';

/** Every projector's checkpoint, lag and parked events, and what holds the log's readers back. */
export class ProjectionsQuery extends ConsistentQuery<ProjectionStatus[]> {}

@QueryHandler(ProjectionsQuery)
export class ProjectionsHandler implements IQueryHandler<ProjectionsQuery> {
  constructor(
    private readonly consistency: ConsistencyService,
    private readonly checkpoints: ProjectionStatusRepository,
    private readonly horizon: LogHorizonRepository,
    @Inject(LEDGER_CONFIG) private readonly config: LedgerConfig,
  ) {}

  execute(query: ProjectionsQuery) {
    // Lag counts rows of ledger_events, which holds the log only on the PostgreSQL store.
    const countLag = this.config.eventStoreUrl === undefined;
    return this.consistency.read(PROJECTION_NAMES, query.consistency, async () => {
      const [rows, hold] = await Promise.all([
        this.checkpoints.statuses(PROJECTION_NAMES, { countLag }),
        countLag ? this.horizon.oldestAppend() : undefined,
      ]);
      return rows.map((row) => ({ ...row, horizonHeldBy: hold ?? null }));
    });
  }
}
