import { Module } from '@nestjs/common';
import { CheckpointProgressModule } from '../event-store/checkpoint-progress.module.js';
import { ProjectionsAdminResolver } from './projections-admin.resolver.js';
import { ProjectionsService } from './projections.service.js';

@Module({
  imports: [CheckpointProgressModule],
  providers: [ProjectionsService, ProjectionsAdminResolver],
  exports: [ProjectionsService],
})
export class ProjectionsModule {}
