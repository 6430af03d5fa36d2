import { Args, Mutation, Query, Resolver } from '@nestjs/graphql';
import { RebuildProjectionInput } from './projections-admin.type.js';
import { RebuildJobs } from './rebuild-jobs.service.js';
import { RebuildJobType, toRebuildJobType } from './rebuild-jobs.type.js';

/** Background rebuilds with their progress: admin only (src/api/auth/operation-rules.ts). */
@Resolver()
export class RebuildJobsResolver {
  constructor(private readonly jobs: RebuildJobs) {}

  @Mutation(() => RebuildJobType, {
    description:
      'Starts a blue/green rebuild in the background and answers at once; its progress is ' +
      'pushed on GET /admin-api/rebuild-jobs (server-sent events) and read by rebuildJobs',
  })
  async startProjectionRebuild(
    @Args('input', { description: 'The projection to rebuild' }) input: RebuildProjectionInput,
  ): Promise<RebuildJobType> {
    return toRebuildJobType(await this.jobs.start(input.name));
  }

  @Query(() => [RebuildJobType], {
    description: 'The latest background rebuild of each projection this process ran, by name',
  })
  rebuildJobs(): RebuildJobType[] {
    return this.jobs.list().map(toRebuildJobType);
  }
}
