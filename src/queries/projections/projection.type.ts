import { Field, Float, GraphQLISODateTime, Int, ObjectType } from '@nestjs/graphql';
import { encodePosition } from '../../event-store/position.js';
import {
  MAX_COUNTED_LAG_EVENTS,
  MAX_COUNTED_PARKED,
  type ProjectionStatusRow,
} from '../repositories/projection-status.repository.js';

/** A projector as its checkpoint row tells it. */
@ObjectType('Projection', {
  description: 'A projector that keeps some views, and how far it has read the log',
})
export class ProjectionType {
  @Field({ description: 'Its name, e.g. accounts: the name the projection mutations take' })
  name!: string;

  @Field({
    description: 'Its checkpoint: the last log position it has applied (a consistency token)',
  })
  position!: string;

  @Field(() => Int, {
    nullable: true,
    description: `Log events after the checkpoint, counted up to ${MAX_COUNTED_LAG_EVENTS}; null when events are not in PostgreSQL`,
  })
  lagEvents!: number | null;

  @Field(() => Float, {
    nullable: true,
    description:
      'Milliseconds since the oldest event not yet applied was written, 0 when caught up; null when events are not in PostgreSQL',
  })
  lagMs!: number | null;

  @Field({ description: "As the projector reports it; 'not-started' before its first checkpoint" })
  status!: string;

  @Field(() => String, {
    nullable: true,
    description: 'Why it last failed; null when it has not (restartProjection clears a stop)',
  })
  lastError!: string | null;

  @Field({ description: 'Events applied so far, a decimal string' })
  eventsApplied!: string;

  @Field(() => Int, {
    description: `Events parked for an admin and not replayed yet, counted up to ${MAX_COUNTED_PARKED}`,
  })
  parked!: number;

  @Field(() => GraphQLISODateTime, {
    nullable: true,
    description: 'When its checkpoint last moved; null before its first',
  })
  updatedAt!: Date | null;
}

export const NOT_STARTED = 'not-started';

export function toProjectionType(row: ProjectionStatusRow): ProjectionType {
  return {
    name: row.name,
    position: encodePosition(row.position),
    lagEvents: row.lagEvents,
    lagMs: row.lagMs,
    status: row.status ?? NOT_STARTED,
    lastError: row.lastError,
    eventsApplied: row.eventsApplied.toString(),
    parked: row.parked,
    updatedAt: row.updatedAt,
  };
}
