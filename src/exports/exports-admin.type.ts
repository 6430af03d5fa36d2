import { Field, Float, InputType, Int, ObjectType } from '@nestjs/graphql';
import { IsBoundedText, IsOptionalCommandId } from '../shared/input-rules.js';
import { encodePosition } from '../event-store/position.js';
import { type ExportRunResult } from './exports.service.js';

@InputType({ description: 'Which named export to run (created with `ledger export create`)' })
export class StartExportInput {
  @Field({ description: "The export's name" })
  @IsBoundedText(64)
  name!: string;

  @Field(() => String, {
    nullable: true,
    description:
      'Idempotency key (letters, digits and . _ : @ -, at most 128): a retry with a key that already made a run answers that run and exports nothing',
  })
  @IsOptionalCommandId()
  commandId?: string | null;
}

@ObjectType('ExportRun', { description: 'What a run of a named export wrote' })
export class ExportRunType {
  @Field({ description: "The export's name" })
  name!: string;

  @Field({ description: 'The directory it writes into, on the server' })
  directory!: string;

  @Field(() => Int, {
    nullable: true,
    description: 'The run number, from 1; null when the log had nothing new (nothing was written)',
  })
  run!: number | null;

  @Field({ description: 'The run holds the events after this position (opaque)' })
  fromPosition!: string;

  @Field({ description: "Up to this one, inclusive: the export's checkpoint now" })
  toPosition!: string;

  @Field(() => Float, { description: 'Events the run exported (a whole number)' })
  events!: number;

  @Field(() => Int, { description: 'Files the run wrote (each listed in its manifest)' })
  files!: number;

  @Field(() => String, {
    nullable: true,
    description: "The run's manifest, relative to the directory; null when nothing was written",
  })
  manifest!: string | null;
}

export function toExportRunType(result: ExportRunResult): ExportRunType {
  const { definition, manifest, manifestPath } = result;
  const checkpoint = encodePosition(definition.checkpoint);
  return {
    name: definition.name,
    directory: definition.directory,
    run: manifest?.run ?? null,
    fromPosition: manifest?.fromPosition ?? checkpoint,
    toPosition: manifest?.toPosition ?? checkpoint,
    events: manifest?.events ?? 0,
    files: manifest?.files.length ?? 0,
    manifest: manifestPath,
  };
}
