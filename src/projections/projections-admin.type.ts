import {
  ArgsType,
  Field,
  Float,
  GraphQLISODateTime,
  ID,
  InputType,
  Int,
  ObjectType,
} from '@nestjs/graphql';
import { IsOptional } from 'class-validator';
import { IsBoundedText } from '../shared/input-rules.js';
import { encodePosition } from '../event-store/position.js';
import { type ParkedEvent, MAX_PARKED_PAGE } from './engine/parked-events.repository.js';
import { type RebuildReport, type TableParity } from './engine/projection-rebuilder.js';

export const MAX_PROJECTION_NAME_LENGTH = 64;

@InputType({ isAbstract: true })
abstract class ProjectionNameInput {
  @Field({ description: "The projection's name, e.g. accounts" })
  @IsBoundedText(MAX_PROJECTION_NAME_LENGTH)
  name!: string;
}

@InputType()
export class RebuildProjectionInput extends ProjectionNameInput {}

@InputType()
export class ReplayParkedEventsInput extends ProjectionNameInput {}

@InputType()
export class RestartProjectionInput extends ProjectionNameInput {}

@ArgsType()
export class ParkedEventsArgs {
  @Field(() => String, {
    nullable: true,
    description: "Only this projection's; every projection's when null",
  })
  @IsOptional()
  @IsBoundedText(MAX_PROJECTION_NAME_LENGTH)
  projection?: string | null;
}

@ObjectType('TableParity')
export class TableParityType {
  @Field()
  table!: string;

  @Field({ description: 'Same row count and checksum in both copies' })
  equal!: boolean;

  @Field(() => Float, { description: 'Rows of the live table (a whole number)' })
  liveRows!: number;

  @Field(() => Float, { description: 'Rows of the rebuilt shadow table (a whole number)' })
  shadowRows!: number;

  @Field({ description: 'Order-independent md5 over every row of the live table' })
  liveChecksum!: string;

  @Field()
  shadowChecksum!: string;
}

@ObjectType('RebuildReport')
export class RebuildReportType {
  @Field()
  projection!: string;

  @Field({ description: 'False when the parity check refused the swap: the live tables stay' })
  swapped!: boolean;

  @Field({ description: 'The log position both copies had reached when they were compared' })
  position!: string;

  @Field(() => Float, { description: 'Events the shadow applied (a whole number)' })
  eventsApplied!: number;

  @Field(() => Float)
  seconds!: number;

  @Field(() => [TableParityType])
  parity!: TableParityType[];
}

@ObjectType('ReplayParkedResult')
export class ReplayParkedResultType {
  @Field(() => Int, { description: 'Parked events applied and marked as replayed' })
  replayed!: number;

  @Field(() => Int, { description: 'Parked events that failed again (still parked)' })
  failed!: number;
}

@ObjectType('ParkedEvent', {
  description: `An event a projector could not apply; at most ${MAX_PARKED_PAGE} are listed, oldest first`,
})
export class ParkedEventType {
  @Field(() => ID)
  id!: string;

  @Field()
  projection!: string;

  @Field({ description: "The event's log position (a consistency token)" })
  position!: string;

  @Field(() => ID)
  eventId!: string;

  @Field()
  eventType!: string;

  @Field()
  streamId!: string;

  @Field({ description: 'The last error it failed with' })
  error!: string;

  @Field(() => Int)
  attempts!: number;

  @Field(() => GraphQLISODateTime)
  parkedAt!: Date;
}

function toTableParityType(parity: TableParity): TableParityType {
  return {
    table: parity.table,
    equal: parity.equal,
    liveRows: parity.live.rows,
    shadowRows: parity.shadow.rows,
    liveChecksum: parity.live.checksum,
    shadowChecksum: parity.shadow.checksum,
  };
}

export function toRebuildReportType(report: RebuildReport): RebuildReportType {
  return {
    projection: report.projection,
    swapped: report.swapped,
    position: report.position,
    eventsApplied: report.eventsApplied,
    seconds: report.seconds,
    parity: report.parity.map(toTableParityType),
  };
}

export function toParkedEventType(parked: ParkedEvent): ParkedEventType {
  return {
    id: parked.id,
    projection: parked.projection,
    position: encodePosition(parked.position),
    eventId: parked.eventId,
    eventType: parked.eventType,
    streamId: parked.streamId,
    error: parked.error,
    attempts: parked.attempts,
    parkedAt: parked.parkedAt,
  };
}
