import { Module } from '@nestjs/common';
import { QueriesModule } from '../queries/queries.module.js';
import { ProjectionsService } from './projections.service.js';

@Module({
  imports: [QueriesModule],
  providers: [ProjectionsService],
  exports: [ProjectionsService],
})
export class ProjectionsModule {}
