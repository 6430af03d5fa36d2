import {
  MoveFundsCommand,
  MoveFundsHandler,
} from '../../../src/commands/accounts/move-funds.handler.js';
import {
  OpenAccountCommand,
  OpenAccountHandler,
} from '../../../src/commands/accounts/open-account.handler.js';
import { type AggregateStore } from '../../../src/commands/aggregate-store.js';
import { type PlaceOrderInput } from '../../../src/commands/inputs/order.input.js';
import {
  CancelOrderCommand,
  CancelOrderHandler,
} from '../../../src/commands/orders/cancel-order.handler.js';
import {
  PlaceOrderCommand,
  PlaceOrderHandler,
} from '../../../src/commands/orders/place-order.handler.js';
import { commandContext } from './processes.js';

/** The customer commands of the saga's process tests, run in the test process through their handlers. */
export class LedgerCommands {
  constructor(
    private readonly aggregates: AggregateStore,
    private readonly userId = 'crash-test',
  ) {}

  /** A USD account of its own customer with `amount` deposited: its id. */
  async openFundedAccount(customerId: string, amount: string): Promise<string> {
    const { id } = await new OpenAccountHandler(this.aggregates).execute(
      new OpenAccountCommand(
        { customerId, name: 'Main', currency: 'USD' },
        commandContext(this.userId),
      ),
    );
    await new MoveFundsHandler(this.aggregates).execute(
      new MoveFundsCommand(
        'DepositFunds',
        { accountId: id, amount, reference: 'funding' },
        commandContext(this.userId),
      ),
    );
    return id;
  }

  /** The new order's id. */
  async placeOrder(input: PlaceOrderInput): Promise<string> {
    const result = await new PlaceOrderHandler(this.aggregates).execute(
      new PlaceOrderCommand(input, commandContext(this.userId)),
    );
    return result.id;
  }

  /** A customer's cancel; one the order refuses (it ended meanwhile) is not an error here. */
  async cancelOrder(orderId: string): Promise<void> {
    await new CancelOrderHandler(this.aggregates)
      .execute(new CancelOrderCommand({ orderId }, commandContext(this.userId)))
      .catch(() => undefined);
  }
}
