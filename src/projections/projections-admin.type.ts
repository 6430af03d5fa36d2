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

@InputType({ description: 'Which projection to rebuild' })
export class RebuildProjectionInput extends ProjectionNameInput {}

@InputType({ description: 'Whose parked events to apply again' })
export class ReplayParkedEventsInput extends ProjectionNameInput {}

@InputType({ description: 'Which stopped projector to restart' })
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

@ObjectType('TableParity', {
  description: 'How one table of a rebuilt view compared with its live copy',
})
export class TableParityType {
  @Field({ description: 'The view table compared, e.g. view_ledger_entries' })
  table!: string;

  @Field({ description: 'Same row count and checksum in both copies' })
  equal!: boolean;

  @Field(() => Float, { description: 'Rows of the live table (a whole number)' })
  liveRows!: number;

  @Field(() => Float, { description: 'Rows of the rebuilt shadow table (a whole number)' })
  shadowRows!: number;

  @Field({ description: 'Order-independent md5 over every row of the live table' })
  liveChecksum!: string;

  @Field({ description: 'The same checksum over the rebuilt shadow table' })
  shadowChecksum!: string;
}

@ObjectType('RebuildReport', { description: 'The outcome of rebuilding one projection' })
export class RebuildReportType {
  @Field({ description: 'The projection rebuilt' })
  projection!: string;

  @Field({ description: 'False when the parity check refused the swap: the live tables stay' })
  swapped!: boolean;

  @Field({ description: 'The log position both copies had reached when they were compared' })
  position!: string;

  @Field(() => Float, { description: 'Events the shadow applied (a whole number)' })
  eventsApplied!: number;

  @Field(() => Float, { description: 'How long the rebuild took, in seconds' })
  seconds!: number;

  @Field(() => [TableParityType], {
    description: 'Each table compared; an unequal one explains a refused swap',
  })
  parity!: TableParityType[];
}

@ObjectType('ReplayParkedResult', { description: 'The outcome of replaying parked events' })
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
  @Field(() => ID, { description: 'The parking record id' })
  id!: string;

  @Field({ description: 'The projection that parked it: pass it to replayParkedEvents' })
  projection!: string;

  @Field({ description: "The event's log position (a consistency token)" })
  position!: string;

  @Field(() => ID, { description: "The event's id in the store" })
  eventId!: string;

  @Field({ description: 'The stored event type, e.g. FundsDeposited.v2' })
  eventType!: string;

  @Field({ description: 'The stream the event belongs to, e.g. account-<id>' })
  streamId!: string;

  @Field({ description: 'The last error it failed with' })
  error!: string;

  @Field(() => Int, { description: 'How many times it was tried before it was parked' })
  attempts!: number;

  @Field(() => GraphQLISODateTime, { description: 'When it was parked' })
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
