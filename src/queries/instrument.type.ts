import { Field, ObjectType } from '@nestjs/graphql';

@ObjectType('Instrument')
export class InstrumentType {
  @Field()
  symbol!: string;

  @Field()
  name!: string;

  @Field()
  currency!: string;

  @Field({ description: 'Decimal string in the instrument currency' })
  price!: string;

  @Field()
  halted!: boolean;
}
