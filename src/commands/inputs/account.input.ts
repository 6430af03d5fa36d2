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

@InputType()
export class OpenAccountInput extends CommandInput {
  @Field()
  @IsClientId()
  customerId!: string;

  @Field()
  @IsBoundedText(MAX_NAME_LENGTH)
  name!: string;

  @Field({ description: 'ISO 4217 code, e.g. USD' })
  @IsIn(Object.keys(CURRENCIES), {
    message: `currency must be one of ${Object.keys(CURRENCIES).join(', ')}`,
  })
  currency!: string;
}

@InputType()
export class MoveFundsInput extends CommandInput {
  @Field()
  @IsServerId()
  accountId!: string;

  @Field({ description: 'Decimal string in the account currency, e.g. "10.50"' })
  @IsDecimalAmount()
  amount!: string;

  @Field()
  @IsBoundedText(MAX_REFERENCE_LENGTH)
  reference!: string;
}

@InputType()
export class CloseAccountInput extends CommandInput {
  @Field()
  @IsServerId()
  accountId!: string;
}
