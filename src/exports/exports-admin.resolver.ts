import { Args, Context, Mutation, Resolver } from '@nestjs/graphql';
import { type MercuriusContext } from 'mercurius';
import { identityOf } from '../shared/request-identity.js';
import { ExportRunType, StartExportInput, toExportRunType } from './exports-admin.type.js';
import { ExportsService } from './exports.service.js';

/** Admin only (src/api/auth/operation-rules.ts): exports write files on the server. */
@Resolver()
export class ExportsAdminResolver {
  constructor(private readonly exports: ExportsService) {}

  @Mutation(() => ExportRunType, {
    description:
      'Runs a named export from its checkpoint to the head of the log and answers when done ' +
      '(`npm run ledger -- export run <name>` shows progress). NOT_FOUND for an unknown name; ' +
      'EXPORT_DIRECTORY_UNWRITABLE, EXPORT_DISK_FULL and EXPORT_BUSY write nothing',
  })
  async startExport(
    @Args('input', { description: 'The export to run' }) input: StartExportInput,
    @Context() ctx: MercuriusContext,
  ): Promise<ExportRunType> {
    const { userId } = identityOf(ctx);
    const result = await this.exports.run(input.name, {
      source: 'graphql',
      request: 'startExport',
      commandId: input.commandId ?? null,
      userId,
    });
    return toExportRunType(result);
  }
}
