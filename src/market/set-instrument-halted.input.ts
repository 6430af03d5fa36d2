import { Field, InputType } from '@nestjs/graphql';
import { IsBoolean } from 'class-validator';
import { IsBoundedText } from '../shared/input-rules.js';

/** As long as a symbol the order input accepts. */
const MAX_SYMBOL_LENGTH = 12;

/**
 * No commandId, unlike the ledger's commands: halting sets a flag on the market and writes
 * no event, so a repeat is harmless and there is no first result to replay.
 */
@InputType({ description: 'Halts or resumes trading in one instrument' })
export class SetInstrumentHaltedInput {
  @Field({ description: 'Instrument symbol, e.g. AAPL' })
  @IsBoundedText(MAX_SYMBOL_LENGTH)
  symbol!: string;

  @Field({ description: 'true halts trading, false resumes it' })
  @IsBoolean()
  halted!: boolean;
}
