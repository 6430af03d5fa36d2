import { Field, ID, ObjectType } from '@nestjs/graphql';
import { type CommandResult } from './idempotency/command-result.js';

@ObjectType('CommandResult', {
  description: 'What an accepted command wrote: the stream it changed and where in the log',
})
export class CommandResultType implements CommandResult {
  @Field(() => ID, { description: "The aggregate's id (account or order)" })
  id!: string;

  @Field({ description: "The aggregate stream's revision after the command, as a decimal string" })
  revision!: string;

  @Field({
    description: 'Consistency token: pass it as consistency.atLeast to read your own write',
  })
  position!: string;
}
