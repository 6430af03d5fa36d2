import { CommandHandler, type ICommandHandler } from '@nestjs/cqrs';
import { type AccountCommand, accountDecider } from '../../domain/account.decider.js';
import { type OrderCommand, orderDecider } from '../../domain/order.decider.js';
import { accountStream, orderStream } from '../../events/stream-names.js';
import { AggregateStore } from '../aggregate-store.js';
import { LedgerCommand } from '../ledger-command.js';
import { commandResult } from '../command-result.mapper.js';
import { type CommandResult } from '../idempotency/command-result.js';
import { type CancelOrderInput } from '../inputs/order.input.js';

export class CancelOrderCommand extends LedgerCommand<CancelOrderInput> {}

/**
 * An order not yet at the market is cancelled at once and leaves its account's open
 * orders; one at the market gets a cancellation request that the placement saga carries out.
 */
@CommandHandler(CancelOrderCommand)
export class CancelOrderHandler implements ICommandHandler<CancelOrderCommand, CommandResult> {
  constructor(private readonly aggregates: AggregateStore) {}

  async execute({ input, context }: CancelOrderCommand): Promise<CommandResult> {
    const { orderId } = input;
    const orderWrite = await this.aggregates.execute(
      orderStream(orderId),
      orderDecider,
      (): OrderCommand => ({ type: 'CancelOrder', reason: 'cancelled by customer' }),
      context,
    );
    if (orderWrite.state.status !== 'CANCELLED') return commandResult(orderId, orderWrite);
    const accountWrite = await this.aggregates.execute(
      accountStream(orderWrite.state.accountId),
      accountDecider,
      (): AccountCommand => ({ type: 'CloseAccountOrder', orderId }),
      context,
    );
    return commandResult(orderId, orderWrite, accountWrite);
  }
}
