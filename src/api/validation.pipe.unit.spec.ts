import 'reflect-metadata';
import { type ArgumentMetadata } from '@nestjs/common';
import { IsDefined, IsInt, IsOptional, Min } from 'class-validator';
import { describe, expect, it } from 'vitest';
import { ValidationFailedError } from '../shared/ledger-errors.js';
import { inputValidationPipe } from './validation.pipe.js';

class OptionalInput {
  @IsOptional()
  @IsInt()
  @Min(0)
  timeoutMs?: number | null;
}

class RequiredInput {
  @IsDefined()
  name!: string;
}

// Nest hands GraphQL arguments to pipes as 'body' (GqlParamtype.ARGS is RouteParamtypes.BODY).
const args = (metatype: ArgumentMetadata['metatype']): ArgumentMetadata => ({
  type: 'body',
  metatype,
  data: 'input',
});

describe('inputValidationPipe', () => {
  it('turns an absent optional input into a new empty instance, every time', async () => {
    const pipe = inputValidationPipe();
    const answers: unknown[] = [];
    for (const absent of [undefined, null, undefined, null]) {
      answers.push(await pipe.transform(absent, args(OptionalInput)));
    }
    for (const answer of answers) {
      expect(answer).toBeInstanceOf(OptionalInput);
      expect(Object.keys(answer as object)).toEqual([]);
    }
    // Resolvers may change what they get: no two requests share an instance.
    expect(new Set(answers).size).toBe(answers.length);
  });

  it('still validates what is given once absent values have passed', async () => {
    const pipe = inputValidationPipe();
    await pipe.transform(undefined, args(OptionalInput));
    await pipe.transform(undefined, args(OptionalInput));
    await expect(pipe.transform({ timeoutMs: -1 }, args(OptionalInput))).rejects.toBeInstanceOf(
      ValidationFailedError,
    );
    await expect(pipe.transform({ timeoutMs: 1, extra: 1 }, args(OptionalInput))).rejects.toThrow(
      /extra/,
    );
    const given = await pipe.transform({ timeoutMs: 5 }, args(OptionalInput));
    expect(given).toBeInstanceOf(OptionalInput);
    expect(given).toEqual(Object.assign(new OptionalInput(), { timeoutMs: 5 }));
  });

  it('refuses an absent input of a class whose empty instance is invalid, every time', async () => {
    const pipe = inputValidationPipe();
    for (let i = 0; i < 3; i++) {
      await expect(pipe.transform(undefined, args(RequiredInput))).rejects.toBeInstanceOf(
        ValidationFailedError,
      );
    }
  });

  it('leaves absent scalars absent', async () => {
    const pipe = inputValidationPipe();
    for (let i = 0; i < 2; i++) {
      expect(await pipe.transform(undefined, args(String))).toBeUndefined();
      expect(await pipe.transform(null, args(Number))).toBeNull();
    }
  });
});
