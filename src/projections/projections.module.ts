import { Module } from '@nestjs/common';
import { CheckpointProgressModule } from '../event-store/checkpoint-progress.module.js';
import { LeadershipModule } from '../infrastructure/leadership/leadership.module.js';
import { ProjectionsAdminResolver } from './projections-admin.resolver.js';
import { ProjectionsService } from './projections.service.js';
import { RebuildJobs } from './rebuild-jobs.service.js';
import { RebuildJobsResolver } from './rebuild-jobs.resolver.js';
import { ProjectionBatchMetrics } from './projection-batch.metrics.js';

@Module({
  imports: [CheckpointProgressModule, LeadershipModule],
  providers: [
    ProjectionsService,
    ProjectionsAdminResolver,
    RebuildJobs,
    RebuildJobsResolver,
    ProjectionBatchMetrics,
  ],
  exports: [ProjectionsService, RebuildJobs, ProjectionBatchMetrics],
})
export class ProjectionsModule {}
