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

@InputType()
export class SagaOrderInput extends CommandInput {
  @Field()
  @IsServerId()
  orderId!: string;
}

const MAX_REASON_LENGTH = 500;

@InputType()
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

@ObjectType('ParkedSaga')
export class ParkedSagaType {
  @Field(() => ID)
  orderId!: string;

  @Field({ description: 'The step that kept failing' })
  action!: string;

  @Field()
  error!: string;

  @Field(() => Int, { description: 'Failed turns in a row' })
  failures!: number;

  @Field(() => GraphQLISODateTime)
  parkedAt!: Date;
}

@ObjectType('SagaStatus')
export class SagaStatusType {
  @Field({ description: 'The saga' })
  name!: string;

  @Field(() => Int, { description: 'Sagas under way' })
  active!: number;

  @Field(() => Int, { description: 'Sagas waiting for an admin' })
  parked!: number;

  @Field(() => Int)
  finished!: number;
}

export function toParkedSagaType(parked: ParkedSaga): ParkedSagaType {
  return { ...parked };
}

export function toSagaStatusType(name: string, counts: SagaCounts): SagaStatusType {
  return { name, ...counts };
}
