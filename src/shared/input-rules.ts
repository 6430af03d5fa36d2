import { applyDecorators } from '@nestjs/common';
import { IsNotEmpty, IsOptional, IsString, Matches, MaxLength } from 'class-validator';

/** Ids the server issued (accounts, orders). */
const SERVER_ID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
/** Ids callers choose (customers, command ids). */
const CLIENT_ID = /^[A-Za-z0-9][A-Za-z0-9._:@-]*$/;
/** A positive decimal; the currency's own precision is checked once the account is known. */
const DECIMAL = /^(0|[1-9]\d{0,15})(\.\d{1,8})?$/;

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

export const IsBoundedText = (maxLength: number): PropertyDecorator =>
  applyDecorators(
    IsString(),
    IsNotEmpty({ message: '$property must not be empty' }),
    MaxLength(maxLength),
  );
