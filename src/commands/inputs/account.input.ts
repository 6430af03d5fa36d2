import { Field, InputType } from '@nestjs/graphql';
import { IsIn } from 'class-validator';
import { CURRENCIES } from '../../domain/money.js';
import {
  IsBoundedText,
  IsClientId,
  IsDecimalAmount,
  IsServerId,
  MAX_NAME_LENGTH,
  MAX_REFERENCE_LENGTH,
} from '../../shared/input-rules.js';
import { CommandInput } from './command.input.js';

@InputType({ description: 'Opens a cash account for a customer' })
export class OpenAccountInput extends CommandInput {
  @Field({
    description:
      "The owner: a customer's token may only give its own sub (letters, digits and . _ : @ -, at most 128)",
  })
  @IsClientId()
  customerId!: string;

  @Field({ description: 'Display name, 1 to 200 characters' })
  @IsBoundedText(MAX_NAME_LENGTH)
  name!: string;

  @Field({ description: 'ISO 4217 code, e.g. USD' })
  @IsIn(Object.keys(CURRENCIES), {
    message: `currency must be one of ${Object.keys(CURRENCIES).join(', ')}`,
  })
  currency!: string;
}

@InputType({ description: 'A deposit into or a withdrawal from an account' })
export class MoveFundsInput extends CommandInput {
  @Field({ description: 'The account id that openAccount returned' })
  @IsServerId()
  accountId!: string;

  @Field({
    description:
      'Positive decimal string in the account currency, at most its minor-unit digits, e.g. "10.50"',
  })
  @IsDecimalAmount()
  amount!: string;

  @Field({
    description: 'The payment reference shown on the statement, 1 to 140 characters',
  })
  @IsBoundedText(MAX_REFERENCE_LENGTH)
  reference!: string;
}

@InputType({
  description: 'Closes an account that holds no cash, no shares and no open order',
})
export class CloseAccountInput extends CommandInput {
  @Field({ description: 'The account to close' })
  @IsServerId()
  accountId!: string;
}
