import { CommandHandler, type ICommandHandler } from '@nestjs/cqrs';
import { type AccountCommand, accountDecider } from '../../domain/account.decider.js';
import { holdingDecider } from '../../domain/holding.decider.js';
import { orderDecider } from '../../domain/order.decider.js';
import { accountStream, holdingStream, orderStream } from '../../events/stream-names.js';
import { AggregateStore } from '../aggregate-store.js';
import { LedgerCommand } from '../ledger-command.js';
import { commandResult } from '../command-result.mapper.js';
import { type CommandResult } from '../idempotency/command-result.js';
import { type CloseAccountInput } from '../inputs/account.input.js';

export class CloseAccountCommand extends LedgerCommand<CloseAccountInput> {}

@CommandHandler(CloseAccountCommand)
export class CloseAccountHandler implements ICommandHandler<CloseAccountCommand, CommandResult> {
  constructor(private readonly aggregates: AggregateStore) {}

  async execute({ input, context }: CloseAccountCommand): Promise<CommandResult> {
    const { accountId } = input;
    const write = await this.aggregates.execute(
      accountStream(accountId),
      accountDecider,
      // The account lists its open orders and traded instruments; their own streams say
      // whether each is really still open or held. A new order in the meantime changes
      // the account's revision, so the append conflicts and this runs again.
      async ({ state }): Promise<AccountCommand> => ({
        type: 'CloseAccount',
        openOrders: new Map(
          await Promise.all(
            [...state.openOrders.keys()].map(
              async (orderId) =>
                [
                  orderId,
                  (await this.aggregates.load(orderStream(orderId), orderDecider)).state,
                ] as const,
            ),
          ),
        ),
        holdings: await Promise.all(
          [...state.instruments].map(
            async (symbol) =>
              (await this.aggregates.load(holdingStream(accountId, symbol), holdingDecider)).state,
          ),
        ),
      }),
      context,
    );
    return commandResult(accountId, write);
  }
}
