import { Args, Context, Mutation, Resolver } from '@nestjs/graphql';
import { CommandBus } from '@nestjs/cqrs';
import { type MercuriusContext } from 'mercurius';
import { identityOf } from '../shared/request-identity.js';
import { CloseAccountCommand } from './accounts/close-account.handler.js';
import { MoveFundsCommand } from './accounts/move-funds.handler.js';
import { OpenAccountCommand } from './accounts/open-account.handler.js';
import { CommandResultType } from './command-result.type.js';
import { type CommandContext } from './command-context.js';
import { type CommandResult } from './idempotency/command-result.js';
import { IdempotentCommands } from './idempotency/idempotent-commands.service.js';
import { CloseAccountInput, MoveFundsInput, OpenAccountInput } from './inputs/account.input.js';
import { CancelOrderInput, PlaceOrderInput } from './inputs/order.input.js';
import { CancelOrderCommand } from './orders/cancel-order.handler.js';
import { PlaceOrderCommand } from './orders/place-order.handler.js';

/** The write side over GraphQL: validate (pipe), de-duplicate by commandId, dispatch. */
@Resolver()
export class CommandsResolver {
  constructor(
    private readonly commandBus: CommandBus,
    private readonly idempotent: IdempotentCommands,
  ) {}

  private send(
    name: string,
    input: { commandId?: string | null },
    gqlContext: MercuriusContext,
    command: (context: CommandContext) => object,
  ): Promise<CommandResult> {
    return this.idempotent.run(name, input, identityOf(gqlContext), (context) =>
      this.commandBus.execute<object, CommandResult>(command(context)),
    );
  }

  @Mutation(() => CommandResultType)
  openAccount(
    @Args('input') input: OpenAccountInput,
    @Context() ctx: MercuriusContext,
  ): Promise<CommandResult> {
    return this.send('openAccount', input, ctx, (c) => new OpenAccountCommand(input, c));
  }

  @Mutation(() => CommandResultType)
  depositFunds(
    @Args('input') input: MoveFundsInput,
    @Context() ctx: MercuriusContext,
  ): Promise<CommandResult> {
    return this.send(
      'depositFunds',
      input,
      ctx,
      (c) => new MoveFundsCommand('DepositFunds', input, c),
    );
  }

  @Mutation(() => CommandResultType)
  withdrawFunds(
    @Args('input') input: MoveFundsInput,
    @Context() ctx: MercuriusContext,
  ): Promise<CommandResult> {
    return this.send(
      'withdrawFunds',
      input,
      ctx,
      (c) => new MoveFundsCommand('WithdrawFunds', input, c),
    );
  }

  @Mutation(() => CommandResultType)
  placeOrder(
    @Args('input') input: PlaceOrderInput,
    @Context() ctx: MercuriusContext,
  ): Promise<CommandResult> {
    return this.send('placeOrder', input, ctx, (c) => new PlaceOrderCommand(input, c));
  }

  @Mutation(() => CommandResultType)
  cancelOrder(
    @Args('input') input: CancelOrderInput,
    @Context() ctx: MercuriusContext,
  ): Promise<CommandResult> {
    return this.send('cancelOrder', input, ctx, (c) => new CancelOrderCommand(input, c));
  }

  @Mutation(() => CommandResultType)
  closeAccount(
    @Args('input') input: CloseAccountInput,
    @Context() ctx: MercuriusContext,
  ): Promise<CommandResult> {
    return this.send('closeAccount', input, ctx, (c) => new CloseAccountCommand(input, c));
  }
}
