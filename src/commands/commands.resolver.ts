import { Args, Context, Mutation, Resolver } from '@nestjs/graphql';
import { CommandBus } from '@nestjs/cqrs';
import { type MercuriusContext } from 'mercurius';
import { identityOf } from '../shared/request-identity.js';
import { CloseAccountCommand } from './accounts/close-account.handler.js';
import { MoveFundsCommand } from './accounts/move-funds.handler.js';
import { OpenAccountCommand } from './accounts/open-account.handler.js';
import { CommandResultType } from './command-result.type.js';
import { CommandMetrics } from './command.metrics.js';
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
    private readonly metrics: CommandMetrics,
  ) {}

  private send(
    name: string,
    input: { commandId?: string | null },
    gqlContext: MercuriusContext,
    command: (context: CommandContext) => object,
  ): Promise<CommandResult> {
    return this.metrics.time(name, () =>
      this.idempotent.run(name, input, identityOf(gqlContext), (context) =>
        this.commandBus.execute<object, CommandResult>(command(context)),
      ),
    );
  }

  @Mutation(() => CommandResultType, {
    description: "Opens a cash account; the result's id is the new account id",
  })
  openAccount(
    @Args('input', { description: 'What to do; commandId makes a retry safe' })
    input: OpenAccountInput,
    @Context() ctx: MercuriusContext,
  ): Promise<CommandResult> {
    return this.send('openAccount', input, ctx, (c) => new OpenAccountCommand(input, c));
  }

  @Mutation(() => CommandResultType, {
    description: 'Adds money to an account from outside (ACCOUNT_CLOSED once closed)',
  })
  depositFunds(
    @Args('input', { description: 'What to do; commandId makes a retry safe' })
    input: MoveFundsInput,
    @Context() ctx: MercuriusContext,
  ): Promise<CommandResult> {
    return this.send(
      'depositFunds',
      input,
      ctx,
      (c) => new MoveFundsCommand('DepositFunds', input, c),
    );
  }

  @Mutation(() => CommandResultType, {
    description: 'Takes money out of an account; INSUFFICIENT_FUNDS beyond its available cash',
  })
  withdrawFunds(
    @Args('input', { description: 'What to do; commandId makes a retry safe' })
    input: MoveFundsInput,
    @Context() ctx: MercuriusContext,
  ): Promise<CommandResult> {
    return this.send(
      'withdrawFunds',
      input,
      ctx,
      (c) => new MoveFundsCommand('WithdrawFunds', input, c),
    );
  }

  @Mutation(() => CommandResultType, {
    description:
      "Records an order (PLACED); the result's id is the order id. Follow it with order(id)",
  })
  placeOrder(
    @Args('input', { description: 'What to do; commandId makes a retry safe' })
    input: PlaceOrderInput,
    @Context() ctx: MercuriusContext,
  ): Promise<CommandResult> {
    return this.send('placeOrder', input, ctx, (c) => new PlaceOrderCommand(input, c));
  }

  @Mutation(() => CommandResultType, {
    description:
      'Asks to cancel an order; ORDER_NOT_ACTIVE once it has finished. Its status turns CANCELLED when done',
  })
  cancelOrder(
    @Args('input', { description: 'What to do; commandId makes a retry safe' })
    input: CancelOrderInput,
    @Context() ctx: MercuriusContext,
  ): Promise<CommandResult> {
    return this.send('cancelOrder', input, ctx, (c) => new CancelOrderCommand(input, c));
  }

  @Mutation(() => CommandResultType, {
    description:
      'Closes an account for good; ACCOUNT_NOT_EMPTY or ACCOUNT_HAS_OPEN_ORDERS while it holds anything',
  })
  closeAccount(
    @Args('input', { description: 'What to do; commandId makes a retry safe' })
    input: CloseAccountInput,
    @Context() ctx: MercuriusContext,
  ): Promise<CommandResult> {
    return this.send('closeAccount', input, ctx, (c) => new CloseAccountCommand(input, c));
  }
}
