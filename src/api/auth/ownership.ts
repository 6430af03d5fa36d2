import { Injectable } from '@nestjs/common';
import { AggregateStore } from '../../commands/aggregate-store.js';
import { accountDecider } from '../../domain/account.decider.js';
import { orderDecider } from '../../domain/order.decider.js';
import { accountStream, orderStream } from '../../events/stream-names.js';

/**
 * Whose an account or an order is, read from its stream (not from a view): a customer's
 * account is theirs the moment it is opened, and no rebuild or lag changes the answer.
 * An account's customer never changes, so a check before the command cannot go stale.
 */
@Injectable()
export class Ownership {
  constructor(private readonly aggregates: AggregateStore) {}

  /** The customer who owns the account; undefined when there is no such account. */
  async accountOwner(accountId: string): Promise<string | undefined> {
    const { state } = await this.aggregates.load(accountStream(accountId), accountDecider);
    return state.customerId === '' ? undefined : state.customerId;
  }

  /** The customer who owns the order's account; undefined when there is no such order. */
  async orderOwner(orderId: string): Promise<string | undefined> {
    const { state } = await this.aggregates.load(orderStream(orderId), orderDecider);
    return state.accountId === '' ? undefined : this.accountOwner(state.accountId);
  }
}
