import { CommandHandler, type ICommandHandler } from '@nestjs/cqrs';
import { findInstrument } from '../../config/instruments.js';
import {
  type AccountCommand,
  type AccountState,
  accountDecider,
} from '../../domain/account.decider.js';
import { type OrderCommand, initialOrderState, orderDecider } from '../../domain/order.decider.js';
import { accountStream, orderStream } from '../../events/stream-names.js';
import { AggregateStore } from '../aggregate-store.js';
import { CommandRejectedError, ValidationFailedError } from '../../shared/ledger-errors.js';
import { LedgerCommand } from '../ledger-command.js';
import { commandResult } from '../command-result.mapper.js';
import { deterministicUuid } from '../deterministic-id.js';
import { type CommandResult } from '../idempotency/command-result.js';
import { type PlaceOrderInput } from '../inputs/order.input.js';
import { amountInAccountCurrency, existingAccount } from '../accounts/account-guards.js';

export class PlaceOrderCommand extends LedgerCommand<PlaceOrderInput> {}

/**
 * Records the order on its account first (which fails if the account is closed, and
 * makes a concurrent close see the order), then creates the order stream. Both steps
 * are idempotent by command id, so a retry after a crash between them completes it.
 */
@CommandHandler(PlaceOrderCommand)
export class PlaceOrderHandler implements ICommandHandler<PlaceOrderCommand, CommandResult> {
  constructor(private readonly aggregates: AggregateStore) {}

  async execute({ input, context }: PlaceOrderCommand): Promise<CommandResult> {
    const orderId = deterministicUuid('order', context.commandId);
    const instrument = findInstrument(input.instrument);
    if (!instrument) {
      throw new ValidationFailedError([
        { field: 'instrument', message: `instrument ${input.instrument} is not traded here` },
      ]);
    }
    const placementOn = (state: AccountState): OrderCommand => {
      const account = existingAccount(state);
      if (account.currency !== instrument.currency) {
        throw new ValidationFailedError([
          {
            field: 'instrument',
            message: `instrument ${instrument.symbol} trades in ${instrument.currency}, the account holds ${account.currency}`,
          },
        ]);
      }
      return {
        type: 'PlaceOrder',
        orderId,
        accountId: input.accountId,
        side: input.side,
        orderType: input.type,
        instrument: instrument.symbol,
        quantity: BigInt(input.quantity),
        limitPriceMinor:
          input.limitPrice === null || input.limitPrice === undefined
            ? null
            : amountInAccountCurrency(account, input.limitPrice, 'limitPrice'),
        currency: account.currency,
        placedAt: context.now,
        timeInForceSeconds: input.timeInForceSeconds ?? null,
      };
    };
    const accountWrite = await this.aggregates.execute(
      accountStream(input.accountId),
      accountDecider,
      ({ state }): AccountCommand => {
        // The order's own rules are checked before anything is written.
        const dryRun = orderDecider.decide(placementOn(state), initialOrderState);
        if (dryRun.kind === 'rejected') throw new CommandRejectedError(dryRun.rejection);
        return { type: 'OpenAccountOrder', orderId, instrument: instrument.symbol };
      },
      context,
    );
    const orderWrite = await this.aggregates.execute(
      orderStream(orderId),
      orderDecider,
      () => placementOn(accountWrite.state),
      context,
    );
    return commandResult(orderId, orderWrite, accountWrite);
  }
}
