import { Args, Mutation, Query, Resolver } from '@nestjs/graphql';
import {
  ParkedEventType,
  ParkedEventsArgs,
  RebuildProjectionInput,
  RebuildReportType,
  ReplayParkedEventsInput,
  ReplayParkedResultType,
  RestartProjectionInput,
  toParkedEventType,
  toRebuildReportType,
} from './projections-admin.type.js';
import { ProjectionsService } from './projections.service.js';

/** Operations on the projectors: admin only (src/api/auth/operation-rules.ts). */
@Resolver()
export class ProjectionsAdminResolver {
  constructor(private readonly projections: ProjectionsService) {}

  @Mutation(() => RebuildReportType, {
    description:
      'Blue/green rebuild from the start of the log; swaps only when the parity check passes. ' +
      'Answers when done: for a long log the CLI (`npm run ledger -- projections rebuild <name>`) shows progress.',
  })
  async rebuildProjection(
    @Args('input', { description: 'The projection to rebuild' }) input: RebuildProjectionInput,
  ): Promise<RebuildReportType> {
    const [report] = await this.projections.rebuild([input.name]);
    return toRebuildReportType(report!);
  }

  @Mutation(() => [RebuildReportType], {
    description:
      'Blue/green rebuild of every view in one pass over the log; each is swapped only when its ' +
      'parity check passes. Answers when done (`npm run ledger -- projections rebuild all` shows progress).',
  })
  async rebuildAllProjections(): Promise<RebuildReportType[]> {
    const reports = await this.projections.rebuild(this.projections.names);
    return reports.map(toRebuildReportType);
  }

  @Mutation(() => ReplayParkedResultType, {
    description: "Applies the projection's parked events again, oldest first",
  })
  replayParkedEvents(
    @Args('input', { description: 'The projection whose parked events to replay' })
    input: ReplayParkedEventsInput,
  ): Promise<ReplayParkedResultType> {
    return this.projections.replayParked(input.name);
  }

  @Mutation(() => Boolean, {
    description: "Clears a stopped projector's status and starts it again from its checkpoint",
  })
  async restartProjection(
    @Args('input', { description: 'The stopped projection' }) input: RestartProjectionInput,
  ): Promise<boolean> {
    await this.projections.restart(input.name);
    return true;
  }

  @Query(() => [ParkedEventType], {
    description: 'Events the projectors parked and nobody has replayed yet, oldest first',
  })
  async parkedEvents(@Args() args: ParkedEventsArgs): Promise<ParkedEventType[]> {
    const parked = await this.projections.listParked(args.projection ?? undefined);
    return parked.map(toParkedEventType);
  }
}
