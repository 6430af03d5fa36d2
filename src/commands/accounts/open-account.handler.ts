import { CommandHandler, type ICommandHandler } from '@nestjs/cqrs';
import { type AccountCommand, accountDecider } from '../../domain/account.decider.js';
import { type Currency } from '../../domain/money.js';
import { accountStream } from '../../events/stream-names.js';
import { AggregateStore } from '../aggregate-store.js';
import { LedgerCommand } from '../ledger-command.js';
import { commandResult } from '../command-result.mapper.js';
import { deterministicUuid } from '../deterministic-id.js';
import { type CommandResult } from '../idempotency/command-result.js';
import { type OpenAccountInput } from '../inputs/account.input.js';

export class OpenAccountCommand extends LedgerCommand<OpenAccountInput> {}

@CommandHandler(OpenAccountCommand)
export class OpenAccountHandler implements ICommandHandler<OpenAccountCommand, CommandResult> {
  constructor(private readonly aggregates: AggregateStore) {}

  async execute({ input, context }: OpenAccountCommand): Promise<CommandResult> {
    const accountId = deterministicUuid('account', context.commandId);
    const write = await this.aggregates.execute(
      accountStream(accountId),
      accountDecider,
      (): AccountCommand => ({
        type: 'OpenAccount',
        accountId,
        customerId: input.customerId,
        name: input.name,
        currency: input.currency as Currency,
      }),
      context,
    );
    return commandResult(accountId, write);
  }
}
