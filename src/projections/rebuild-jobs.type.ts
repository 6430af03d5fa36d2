import { Field, Float, GraphQLISODateTime, ObjectType } from '@nestjs/graphql';
import { type RebuildJob } from './rebuild-jobs.service.js';

@ObjectType('RebuildJob', {
  description: 'A rebuild running in the background (startProjectionRebuild), or how it ended',
})
export class RebuildJobType {
  @Field({ description: 'The projection being rebuilt' })
  projection!: string;

  @Field({ description: 'RUNNING, DONE or FAILED' })
  state!: string;

  @Field({ description: 'Where it stands: starting, loading, catching-up, aligning, then done' })
  phase!: string;

  @Field(() => Float, { description: 'Log events applied so far (a whole number)' })
  applied!: number;

  @Field(() => Float, {
    nullable: true,
    description: 'About how many events the log holds; null when the store cannot tell',
  })
  total!: number | null;

  @Field(() => Float, { description: 'Events applied per second, on average so far' })
  eventsPerSecond!: number;

  @Field(() => Float, {
    nullable: true,
    description: 'Seconds left at the current rate; null without a total or a rate, or once ended',
  })
  etaSeconds!: number | null;

  @Field(() => GraphQLISODateTime, { description: 'When it started' })
  startedAt!: Date;

  @Field(() => GraphQLISODateTime, {
    nullable: true,
    description: 'When it ended; null while running',
  })
  finishedAt!: Date | null;

  @Field(() => Boolean, {
    nullable: true,
    description: 'Whether the rebuilt copy replaced the live one; null until it is done',
  })
  swapped!: boolean | null;

  @Field(() => String, { nullable: true, description: 'Why it failed; null otherwise' })
  error!: string | null;
}

export function toRebuildJobType(job: RebuildJob): RebuildJobType {
  const left = job.total === undefined ? 0 : Math.max(job.total - job.applied, 0);
  const running = job.state === 'RUNNING' && job.total !== undefined && job.eventsPerSecond > 0;
  return {
    ...job,
    total: job.total ?? null,
    etaSeconds: running ? left / job.eventsPerSecond : null,
    finishedAt: job.finishedAt ?? null,
    swapped: job.swapped ?? null,
    error: job.error ?? null,
  };
}
