import { Field, InputType } from '@nestjs/graphql';
import { IsOptionalCommandId } from '../../shared/input-rules.js';

/** Every mutation input: an optional idempotency key. */
@InputType({ isAbstract: true })
export abstract class CommandInput {
  @Field(() => String, { nullable: true, description: 'Idempotency key' })
  @IsOptionalCommandId()
  commandId?: string | null;
}
