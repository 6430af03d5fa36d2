import { Field, InputType } from '@nestjs/graphql';
import { IsOptionalCommandId } from '../../shared/input-rules.js';

/** Every mutation input: an optional idempotency key. */
@InputType({ isAbstract: true })
export abstract class CommandInput {
  @Field(() => String, {
    nullable: true,
    description:
      'Idempotency key (letters, digits and . _ : @ -, at most 128): a retry with the same key and input returns the first result and writes nothing; other input with it is IDEMPOTENCY_KEY_REUSED',
  })
  @IsOptionalCommandId()
  commandId?: string | null;
}
