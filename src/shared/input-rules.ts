import { applyDecorators } from '@nestjs/common';
import { Transform } from 'class-transformer';
import {
  IsNotEmpty,
  IsOptional,
  IsString,
  Matches,
  MaxLength,
  ValidateBy,
  type ValidationOptions,
} from 'class-validator';

/** Ids the server issued (accounts, orders). */
const SERVER_ID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
/** Ids callers choose (customers, command ids). */
const CLIENT_ID = /^[A-Za-z0-9][A-Za-z0-9._:@-]*$/;
/** A positive decimal; the currency's own precision is checked once the account is known. */
const DECIMAL = /^(0|[1-9]\d{0,15})(\.\d{1,8})?$/;

/**
 * What free text (names, references) and looked-up ids may not hold: control characters
 * (Cc: C0, DEL, C1, with NUL, which PostgreSQL cannot store), format characters (Cf: the
 * bidirectional controls that make `abc\u202Efdp.exe` read as `abcexe.pdf`, and the
 * zero-width and other invisible characters that make two equal-looking names differ),
 * unpaired surrogates (Cs: not Unicode text; PostgreSQL refuses them in JSON) and the line
 * and paragraph separators (Zl, Zp: names and references are one line).
 */
const UNSAFE_TEXT = /[\p{Cc}\p{Cf}\p{Cs}\p{Zl}\p{Zp}]/u;

/** Whether `value` is text the ledger stores and shows as it is (see UNSAFE_TEXT). */
export function isPlainText(value: string): boolean {
  return !UNSAFE_TEXT.test(value);
}

/** `value` with every unsafe character written as `\uXXXX`: for a log line. */
export function escapeUnsafeText(value: string): string {
  return value.replace(
    new RegExp(UNSAFE_TEXT.source, 'gu'),
    (char) => `\\u${char.charCodeAt(0).toString(16).padStart(4, '0')}`,
  );
}

/** Whether `value` has the shape of an id this ledger issues (an account's, an order's). */
export function isServerId(value: string): boolean {
  return SERVER_ID.test(value);
}

export const MAX_CLIENT_ID_LENGTH = 128;
export const MAX_NAME_LENGTH = 200;
export const MAX_REFERENCE_LENGTH = 140;

export const IsServerId = (): PropertyDecorator =>
  applyDecorators(
    IsString(),
    IsNotEmpty({ message: '$property must not be empty' }),
    Matches(SERVER_ID, { message: '$property must be an id issued by this ledger' }),
  );

export const IsClientId = (): PropertyDecorator =>
  applyDecorators(
    IsString(),
    IsNotEmpty({ message: '$property must not be empty' }),
    MaxLength(MAX_CLIENT_ID_LENGTH),
    Matches(CLIENT_ID, { message: '$property may hold letters, digits and . _ : @ - only' }),
  );

export const IsOptionalCommandId = (): PropertyDecorator =>
  applyDecorators(IsOptional(), IsClientId());

export const IsDecimalAmount = (): PropertyDecorator =>
  applyDecorators(
    IsString(),
    Matches(DECIMAL, {
      message:
        '$property must be a positive decimal string with at most 16 digits before the point',
    }),
  );

/** Text as typed: no control, invisible or bidirectional characters (see UNSAFE_TEXT). */
export const IsPlainText = (options?: ValidationOptions): PropertyDecorator =>
  ValidateBy(
    {
      name: 'isPlainText',
      validator: {
        validate: (value: unknown) => typeof value !== 'string' || isPlainText(value),
        defaultMessage: (args) =>
          `${args?.property ?? 'value'} must not hold control, invisible or bidirectional characters`,
      },
    },
    options,
  );

/**
 * Free text: one line of plain text, not blank, at most `maxLength` characters once
 * normalised to NFC (so that a name typed with combining accents and one typed with
 * precomposed letters are stored, compared and counted alike).
 */
export const IsBoundedText = (maxLength: number): PropertyDecorator =>
  applyDecorators(
    Transform(({ value }: { value: unknown }) =>
      typeof value === 'string' ? value.normalize('NFC') : value,
    ),
    IsString(),
    IsNotEmpty({ message: '$property must not be empty' }),
    Matches(/\S/u, { message: '$property must not be blank' }),
    IsPlainText(),
    MaxLength(maxLength),
  );
