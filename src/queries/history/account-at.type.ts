import { Field, GraphQLISODateTime, ID, InputType, Int, ObjectType } from '@nestjs/graphql';
import { IsDate, IsOptional, IsString, MaxLength } from 'class-validator';
import { availableMinor } from '../../domain/account.decider.js';
import { encodePosition } from '../../event-store/position.js';
import { formatMoney } from '../../shared/decimal-format.js';
import { HoldingType, toHoldingType } from '../accounts/holding.type.js';
import { type AccountAt, type AccountChange } from './account-fold.js';

/** Changes listed at most: the newest up to the point (the count says how many there were). */
export const MAX_ACCOUNT_CHANGES = 500;

@InputType('AccountAtInput', {
  description: 'A point in the past: a log position or an instant (exactly one of them)',
})
export class AccountAtInput {
  @Field(() => String, {
    nullable: true,
    description: 'A position token (as queries and mutations return): events up to it, included',
  })
  @IsOptional()
  @IsString()
  @MaxLength(64)
  position?: string | null;

  @Field(() => GraphQLISODateTime, {
    nullable: true,
    description: 'An instant: events that occurred up to it, included',
  })
  @IsOptional()
  @IsDate()
  time?: Date | null;
}

@ObjectType('AccountChange', { description: 'An event that changed the account or a holding' })
export class AccountChangeType {
  @Field({ description: 'Its log position (a consistency token): travel to it with accountAt' })
  position!: string;

  @Field({ description: 'The stream: account-<id> or holding-<accountId>-<symbol>' })
  stream!: string;

  @Field({ description: 'The stored type name with its version, e.g. FundsDeposited.v2' })
  eventType!: string;

  @Field(() => GraphQLISODateTime, { description: 'When it occurred' })
  occurredAt!: Date;

  @Field({ description: 'Who acted' })
  userId!: string;

  @Field(() => String, {
    nullable: true,
    description: "The account's cash balance after it; null for a holding's event",
  })
  balanceAfter!: string | null;

  @Field(() => String, {
    nullable: true,
    description: 'The cash available after it (balance less reservations); null for a holding',
  })
  availableAfter!: string | null;

  @Field(() => String, { nullable: true, description: "The holding's instrument; null for cash" })
  instrument!: string | null;

  @Field(() => String, {
    nullable: true,
    description: 'Shares of the holding after it; null for cash',
  })
  quantityAfter!: string | null;
}

@ObjectType('AccountAt', {
  description: "An account's cash and holdings as of a past point, folded from its own streams",
})
export class AccountAtType {
  @Field(() => ID, { description: 'The account' })
  id!: string;

  @Field({ description: 'NONE before the account was opened, then OPEN or CLOSED' })
  status!: string;

  @Field({ description: "The account's owner (empty before it was opened)" })
  customerId!: string;

  @Field({ description: 'ISO 4217 code' })
  currency!: string;

  @Field({ description: 'Cash balance as of the point, a decimal string' })
  balance!: string;

  @Field({ description: 'Cash reserved for open orders as of the point' })
  reserved!: string;

  @Field({ description: 'Cash available as of the point' })
  available!: string;

  @Field(() => [HoldingType], {
    description: 'Holdings as of the point, by instrument (updatedAt: their last change up to it)',
  })
  holdings!: HoldingType[];

  @Field(() => String, {
    nullable: true,
    description: 'The position of the last change up to the point; null when there is none',
  })
  position!: string | null;

  @Field({ description: 'The log head when it was read: the latest point there is' })
  headPosition!: string;

  @Field(() => Int, { description: 'Changes up to the point, all of them' })
  changeCount!: number;

  @Field(() => [AccountChangeType], {
    description: `The newest changes up to the point (at most ${MAX_ACCOUNT_CHANGES}), oldest first`,
  })
  changes!: AccountChangeType[];
}

function toChangeType(change: AccountChange, currency: string): AccountChangeType {
  const money = (minor: bigint | undefined) =>
    minor === undefined ? null : formatMoney(minor, currency);
  return {
    position: encodePosition(change.position),
    stream: change.streamId,
    eventType: change.eventType,
    occurredAt: change.occurredAt,
    userId: change.userId,
    balanceAfter: money(change.balanceAfterMinor),
    availableAfter: money(change.availableAfterMinor),
    instrument: change.instrument ?? null,
    quantityAfter: change.quantityAfter?.toString() ?? null,
  };
}

function lastChangeOf(changes: readonly AccountChange[], instrument: string): Date | undefined {
  return changes.findLast((change) => change.instrument === instrument)?.occurredAt;
}

export function toAccountAtType(id: string, at: AccountAt, head: string): AccountAtType {
  const { account } = at;
  const last = at.changes[at.changes.length - 1];
  return {
    id,
    status: account.status,
    customerId: account.customerId,
    currency: account.currency,
    balance: formatMoney(account.balanceMinor, account.currency),
    reserved: formatMoney(account.reservedMinor, account.currency),
    available: formatMoney(availableMinor(account), account.currency),
    holdings: [...at.holdings].map(([instrument, holding]) =>
      toHoldingType({
        accountId: id,
        instrument,
        quantity: holding.quantity,
        reservedQuantity: holding.reservedQuantity,
        costBasisMinor: holding.costBasisMinor,
        updatedAt: lastChangeOf(at.changes, instrument) ?? new Date(0),
      }),
    ),
    position: last ? encodePosition(last.position) : null,
    headPosition: head,
    changeCount: at.changes.length,
    changes: at.changes.slice(-MAX_ACCOUNT_CHANGES).map((c) => toChangeType(c, account.currency)),
  };
}
