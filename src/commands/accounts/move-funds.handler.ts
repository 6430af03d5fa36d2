import { CommandHandler, type ICommandHandler } from '@nestjs/cqrs';
import { type AccountCommand, accountDecider } from '../../domain/account.decider.js';
import { accountStream } from '../../events/stream-names.js';
import { AggregateStore } from '../aggregate-store.js';
import { type CommandContext } from '../command-context.js';
import { commandResult } from '../command-result.mapper.js';
import { deterministicUuid } from '../deterministic-id.js';
import { type CommandResult } from '../idempotency/command-result.js';
import { type MoveFundsInput } from '../inputs/account.input.js';
import { amountInAccountCurrency } from './account-guards.js';

/** A deposit from, or a withdrawal to, the customer's external bank account. */
export class MoveFundsCommand {
  constructor(
    readonly direction: 'DepositFunds' | 'WithdrawFunds',
    readonly input: MoveFundsInput,
    readonly context: CommandContext,
  ) {}
}

@CommandHandler(MoveFundsCommand)
export class MoveFundsHandler implements ICommandHandler<MoveFundsCommand, CommandResult> {
  constructor(private readonly aggregates: AggregateStore) {}

  async execute({ direction, input, context }: MoveFundsCommand): Promise<CommandResult> {
    const paymentId = deterministicUuid('payment', context.commandId);
    const write = await this.aggregates.execute(
      accountStream(input.accountId),
      accountDecider,
      ({ state }): AccountCommand => ({
        type: direction,
        paymentId,
        amountMinor: amountInAccountCurrency(state, input.amount, 'amount'),
        reference: input.reference,
      }),
      context,
    );
    return commandResult(input.accountId, write);
  }
}
