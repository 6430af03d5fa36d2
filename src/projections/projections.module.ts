import { Module } from '@nestjs/common';
import { QueriesModule } from '../queries/queries.module.js';
import { ProjectionsAdminResolver } from './projections-admin.resolver.js';
import { ProjectionsService } from './projections.service.js';

@Module({
  imports: [QueriesModule],
  providers: [ProjectionsService, ProjectionsAdminResolver],
  exports: [ProjectionsService],
})
export class ProjectionsModule {}
