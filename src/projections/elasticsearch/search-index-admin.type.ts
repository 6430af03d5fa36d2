import { Field, Float, ObjectType } from '@nestjs/graphql';

@ObjectType('SearchIndexFingerprint', { description: 'What an index holds, in two figures' })
export class SearchIndexFingerprintType {
  @Field(() => Float, { description: 'Documents (a whole number)' })
  documents!: number;

  @Field({ description: 'Order-independent checksum of every document' })
  checksum!: string;
}

@ObjectType('SearchIndexParity', {
  description: 'One alias: its live index against the rebuilt one',
})
export class SearchIndexParityType {
  @Field({ description: 'The alias, e.g. ledger-orders' })
  alias!: string;

  @Field(() => SearchIndexFingerprintType, { description: 'The index the alias pointed at' })
  live!: SearchIndexFingerprintType;

  @Field(() => SearchIndexFingerprintType, { description: 'The index built from the log' })
  rebuilt!: SearchIndexFingerprintType;

  @Field({ description: 'Whether both figures agree' })
  equal!: boolean;
}

@ObjectType('SearchIndexRebuildReport', {
  description: 'The outcome of a blue/green rebuild of the Elasticsearch search indexes',
})
export class SearchIndexRebuildReportType {
  @Field({
    description:
      'False when the parity check refused the swap: the aliases stay on the live indexes and the rebuilt ones are deleted',
  })
  swapped!: boolean;

  @Field(() => String, {
    nullable: true,
    description: 'The log position both copies had reached when they were compared',
  })
  position!: string | null;

  @Field(() => [SearchIndexParityType], { description: 'Each alias compared' })
  parity!: SearchIndexParityType[];
}
