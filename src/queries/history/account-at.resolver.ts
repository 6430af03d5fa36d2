import { Args, Context, ID, Query, Resolver } from '@nestjs/graphql';
import { QueryBus } from '@nestjs/cqrs';
import { type MercuriusContext } from 'mercurius';
import { decodePosition, encodePosition } from '../../event-store/position.js';
import { ValidationFailedError } from '../../shared/ledger-errors.js';
import { recordConsistency } from '../consistency/consistency-report.js';
import { type Consistent } from '../consistency/consistency.service.js';
import { type AccountAt, type TravelPoint } from './account-fold.js';
import { AccountAtQuery } from './account-at.query.js';
import { AccountAtInput, AccountAtType, toAccountAtType } from './account-at.type.js';

/** Exactly one of position and time; a position must be a token this system gave out. */
function travelPoint(at: AccountAtInput | null | undefined): TravelPoint | undefined {
  if (at === null || at === undefined) return undefined;
  const given = [at.position, at.time].filter((value) => value !== null && value !== undefined);
  if (given.length !== 1) {
    throw new ValidationFailedError([
      { field: 'at', message: 'at takes exactly one of position and time' },
    ]);
  }
  if (at.time) return { kind: 'time', time: at.time };
  const position = decodePosition(at.position!);
  if (position === undefined) {
    throw new ValidationFailedError([
      { field: 'at.position', message: 'at.position must be a position token of this ledger' },
    ]);
  }
  return { kind: 'position', position };
}

/** Time travel over an account, for operators (admin only: see operation-rules.ts). */
@Resolver()
export class AccountAtResolver {
  constructor(private readonly queryBus: QueryBus) {}

  @Query(() => AccountAtType, {
    description:
      "The account's cash and holdings as of a past log position or instant, folded from its " +
      'own streams with the write side’s evolve, and the events that changed them (admin only)',
  })
  async accountAt(
    @Args('id', { type: () => ID, description: 'The account' }) id: string,
    @Args('at', {
      type: () => AccountAtInput,
      nullable: true,
      description: 'The point in the past; omitted, now',
    })
    at: AccountAtInput | null,
    @Context() ctx: MercuriusContext,
  ): Promise<AccountAtType> {
    const point = travelPoint(at);
    const result = await this.queryBus.execute<AccountAtQuery, Consistent<AccountAt>>(
      new AccountAtQuery(id, point),
    );
    recordConsistency(ctx, result.consistency);
    return toAccountAtType(id, result.value, encodePosition(result.consistency.position));
  }
}
