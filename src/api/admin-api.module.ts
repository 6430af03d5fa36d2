import { Module } from '@nestjs/common';
import { ProjectionsModule } from '../projections/projections.module.js';
import { RebuildJobsController } from './rebuild-jobs.controller.js';

/** HTTP routes of the admin UI beside GraphQL: only what GraphQL cannot do (a pushed stream). */
@Module({
  imports: [ProjectionsModule],
  controllers: [RebuildJobsController],
})
export class AdminApiModule {}
