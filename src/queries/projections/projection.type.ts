import { Field, Float, GraphQLISODateTime, Int, ObjectType } from '@nestjs/graphql';
import { encodePosition } from '../../event-store/position.js';
import { type HorizonHold } from '../repositories/log-horizon.repository.js';
import {
  MAX_COUNTED_LAG_EVENTS,
  MAX_COUNTED_PARKED,
  type ProjectionStatusRow,
} from '../repositories/projection-status.repository.js';

/** A projector's checkpoint row, and what holds the log's readers back at the time. */
export type ProjectionStatus = ProjectionStatusRow & { readonly horizonHeldBy: HorizonHold | null };

@ObjectType('HorizonHold', {
  description:
    'An append still running: no reader of the log reads past it until it commits or aborts. ' +
    'Appends take milliseconds; one held for seconds is a stuck or killed writer to look at.',
})
export class HorizonHoldType {
  @Field(() => Int, { description: 'The PostgreSQL backend (pid) running the append' })
  pid!: number;

  @Field({ description: 'The database it runs in' })
  database!: string;

  @Field(() => GraphQLISODateTime, { description: 'When its transaction began' })
  since!: Date;

  @Field(() => Float, { description: 'Milliseconds it has held the readers back so far' })
  heldMs!: number;
}

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

  @Field(() => HorizonHoldType, {
    nullable: true,
    description:
      'The oldest append still running, which every reader of the log waits for (this projector too); ' +
      'null when none runs or when events are not in PostgreSQL',
  })
  horizonHeldBy!: HorizonHoldType | null;
}

export const NOT_STARTED = 'not-started';

export function toProjectionType(row: ProjectionStatus): ProjectionType {
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
    horizonHeldBy: row.horizonHeldBy && {
      ...row.horizonHeldBy,
      heldMs: Math.round(row.horizonHeldBy.heldMs),
    },
  };
}
