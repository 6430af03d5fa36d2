import {
  ArgsType,
  Field,
  GraphQLISODateTime,
  ID,
  InputType,
  Int,
  ObjectType,
} from '@nestjs/graphql';
import { IsInt, IsOptional, Max, Min } from 'class-validator';
import { CommandInput } from '../commands/inputs/command.input.js';
import { IsBoundedText, IsServerId } from '../shared/input-rules.js';
import {
  MAX_PARKED_LISTED,
  type ParkedSaga,
  type SagaCounts,
} from './order-placement/order-sagas.repository.js';

@InputType({ description: 'Which parked order saga to act on' })
export class SagaOrderInput extends CommandInput {
  @Field({ description: 'The order id of the parked saga (see parkedSagas)' })
  @IsServerId()
  orderId!: string;
}

const MAX_REASON_LENGTH = 500;

@InputType({ description: 'Which parked order saga to end FAILED, and why' })
export class FailSagaInput extends SagaOrderInput {
  @Field({ description: 'Why the admin ends it: recorded as the order’s reason' })
  @IsBoundedText(MAX_REASON_LENGTH)
  reason!: string;
}

@ArgsType()
export class ParkedSagasArgs {
  @Field(() => Int, { nullable: true, description: `At most ${MAX_PARKED_LISTED}` })
  @IsOptional()
  @IsInt()
  @Min(1)
  @Max(MAX_PARKED_LISTED)
  first?: number | null;
}

@ObjectType('ParkedSaga', {
  description: 'An order saga that kept failing: retrySaga, compensateSaga or failSaga it',
})
export class ParkedSagaType {
  @Field(() => ID, { description: 'The order the saga runs: pass it to the saga mutations' })
  orderId!: string;

  @Field({ description: 'The step that kept failing' })
  action!: string;

  @Field({ description: 'The last error the step failed with' })
  error!: string;

  @Field(() => Int, { description: 'Failed turns in a row' })
  failures!: number;

  @Field(() => GraphQLISODateTime, { description: 'When it was parked' })
  parkedAt!: Date;
}

@ObjectType('SagaStatus', { description: 'How many sagas of one kind are in each state' })
export class SagaStatusType {
  @Field({ description: 'The kind of saga, e.g. order-placement' })
  name!: string;

  @Field(() => Int, { description: 'Sagas under way' })
  active!: number;

  @Field(() => Int, { description: 'Sagas waiting for an admin' })
  parked!: number;

  @Field(() => Int, { description: 'Sagas that have ended (their order is final)' })
  finished!: number;
}

export function toParkedSagaType(parked: ParkedSaga): ParkedSagaType {
  return { ...parked };
}

export function toSagaStatusType(name: string, counts: SagaCounts): SagaStatusType {
  return { name, ...counts };
}
