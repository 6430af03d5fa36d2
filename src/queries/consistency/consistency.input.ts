import { Args, Field, InputType, Int } from '@nestjs/graphql';
import { IsInt, IsOptional, Max, Min, ValidateBy } from 'class-validator';
import { ValidationFailedError } from '../../shared/ledger-errors.js';
import { decodePosition } from '../../event-store/position.js';
import { MAX_WAIT_TIMEOUT_MS, type ReadConsistency } from './consistency.service.js';

const IsPositionToken = (): PropertyDecorator =>
  ValidateBy({
    name: 'isPositionToken',
    validator: {
      validate: (value: unknown) =>
        typeof value === 'string' && decodePosition(value) !== undefined,
      defaultMessage: () => 'atLeast must be a position token returned by a mutation',
    },
  });

@InputType({
  description: 'Read your own writes: wait (bounded) until the views have applied a position',
})
export class ConsistencyInput {
  @Field(() => String, {
    nullable: true,
    description: "A mutation's `position`: answer only once the views read have applied it",
  })
  @IsOptional()
  @IsPositionToken()
  atLeast?: string | null;

  @Field(() => Int, {
    nullable: true,
    description: `How long to wait for atLeast before answering stale; default 5000, at most ${MAX_WAIT_TIMEOUT_MS}`,
  })
  @IsOptional()
  @IsInt()
  @Min(0)
  // Refused rather than cut down: a caller asking for an hour should learn it gets 30 s.
  @Max(MAX_WAIT_TIMEOUT_MS)
  timeoutMs?: number | null;
}

/** The validated input as the query side takes it; absent means "no wait". */
export function readConsistencyOf(input: ConsistencyInput | null | undefined): ReadConsistency {
  if (input === null || input === undefined) return {};
  const token = input.atLeast ?? undefined;
  const atLeast = token === undefined ? undefined : decodePosition(token);
  if (token !== undefined && atLeast === undefined) {
    // The pipe has checked this already; a caller that bypassed it still gets the same answer.
    throw new ValidationFailedError([
      { field: 'atLeast', message: 'atLeast must be a position token returned by a mutation' },
    ]);
  }
  return { atLeast, timeoutMs: input.timeoutMs ?? undefined };
}

/**
 * The `consistency` argument every query takes. Declare the parameter as `ConsistencyInput`,
 * not `ConsistencyInput | null`: the validation pipe finds the class by the parameter's
 * design type, which a union erases to Object (and it turns an absent argument into an
 * empty instance anyway).
 */
export const ConsistencyArg = (): ParameterDecorator =>
  Args('consistency', {
    type: () => ConsistencyInput,
    nullable: true,
    description:
      "Pass a mutation's position as atLeast to read your own write; omitted, the views answer as they are",
  });
