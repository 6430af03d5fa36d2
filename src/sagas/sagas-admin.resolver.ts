import { Args, Context, Int, Mutation, Query, Resolver } from '@nestjs/graphql';
import { type MercuriusContext } from 'mercurius';
import { CommandResultType } from '../commands/command-result.type.js';
import { type CommandResult } from '../commands/idempotency/command-result.js';
import { IdempotentCommands } from '../commands/idempotency/idempotent-commands.service.js';
import { identityOf } from '../shared/request-identity.js';
import { OrderPlacementSagaService } from './order-placement/order-placement-saga.service.js';
import { ORDER_PLACEMENT_SAGA } from './order-placement/order-sagas.repository.js';
import {
  FailSagaInput,
  ParkedSagaType,
  ParkedSagasArgs,
  SagaOrderInput,
  SagaStatusType,
  toParkedSagaType,
  toSagaStatusType,
} from './sagas-admin.type.js';

/** Parked sagas listed when the query does not say how many. */
const DEFAULT_PARKED_LISTED = 100;

/**
 * Admin operations on the order placement saga. Admin only: authentication and roles are
 * not wired in this codebase yet; when they are, the admin guard goes on this class.
 */
@Resolver()
export class SagasAdminResolver {
  constructor(
    private readonly sagas: OrderPlacementSagaService,
    private readonly idempotent: IdempotentCommands,
  ) {}

  @Query(() => [ParkedSagaType], {
    description: 'Order sagas that kept failing and wait for an admin, oldest first',
  })
  async parkedSagas(@Args() args: ParkedSagasArgs): Promise<ParkedSagaType[]> {
    const parked = await this.sagas.listParked(args.first ?? DEFAULT_PARKED_LISTED);
    return parked.map(toParkedSagaType);
  }

  @Query(() => Int, { description: 'How many order sagas are parked' })
  async parkedSagaCount(): Promise<number> {
    return (await this.sagas.counts()).parked;
  }

  @Query(() => [SagaStatusType], { description: 'Sagas by state: active, parked, finished' })
  async sagaStatus(): Promise<SagaStatusType[]> {
    return [toSagaStatusType(ORDER_PLACEMENT_SAGA, await this.sagas.counts())];
  }

  @Mutation(() => CommandResultType, { description: 'Runs a parked saga again from its step' })
  retrySaga(
    @Args('input', { description: 'The parked saga; commandId makes a retry safe' })
    input: SagaOrderInput,
    @Context() ctx: MercuriusContext,
  ): Promise<CommandResult> {
    return this.idempotent.run('retrySaga', input, identityOf(ctx), () =>
      this.sagas.retry(input.orderId),
    );
  }

  @Mutation(() => CommandResultType, {
    description:
      'Unwinds a parked saga: cancels the order at the market first when it may still trade there, settles what filled, releases, refunds the fee when nothing filled; the order ends FAILED (or COMPLETED if it all filled). COMPENSATION_NEEDS_MARKET, with nothing changed, when the order may still trade and the market does not answer',
  })
  compensateSaga(
    @Args('input', { description: 'The parked saga; commandId makes a retry safe' })
    input: SagaOrderInput,
    @Context() ctx: MercuriusContext,
  ): Promise<CommandResult> {
    return this.idempotent.run('compensateSaga', input, identityOf(ctx), (context) =>
      this.sagas.compensate(input.orderId, context),
    );
  }

  @Mutation(() => CommandResultType, {
    description:
      'Ends a parked saga FAILED without asking the market: releases, refunds when nothing filled',
  })
  failSaga(
    @Args('input', { description: 'The parked saga and why it fails' }) input: FailSagaInput,
    @Context() ctx: MercuriusContext,
  ): Promise<CommandResult> {
    return this.idempotent.run('failSaga', input, identityOf(ctx), (context) =>
      this.sagas.fail(input.orderId, input.reason, context),
    );
  }
}
