import { Module } from '@nestjs/common';
import { ExportsAdminResolver } from './exports-admin.resolver.js';
import { ExportsService } from './exports.service.js';

@Module({
  providers: [ExportsService, ExportsAdminResolver],
  exports: [ExportsService],
})
export class ExportsModule {}
