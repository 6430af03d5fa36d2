import { Injectable } from '@nestjs/common';
import { AggregateStore } from '../../commands/aggregate-store.js';
import { accountDecider } from '../../domain/account.decider.js';
import { orderDecider } from '../../domain/order.decider.js';
import { accountStream, orderStream } from '../../events/stream-names.js';

/** Accounts and orders whose owner a process remembers; the oldest are forgotten first. */
export const OWNERSHIP_CACHE_SIZE = 100_000;

/**
 * Whose an account or an order is, read from its stream (not from a view): a customer's
 * account is theirs the moment it is opened, and no rebuild or lag changes the answer.
 * Both facts are fixed by the stream's first event (an account's customer, an order's
 * account never change), so only that event is read, and an answer found is kept: a
 * check before the command cannot go stale. "No such stream" is not kept, since the
 * stream may be created the next moment.
 */
@Injectable()
export class Ownership {
  /** Stream id to the customer who owns it. */
  private readonly owners = new Map<string, string>();

  constructor(private readonly aggregates: AggregateStore) {}

  /** The customer who owns the account; undefined when there is no such account. */
  accountOwner(accountId: string): Promise<string | undefined> {
    return this.remembered(accountStream(accountId), async (streamId) => {
      const state = await this.aggregates.stateAtCreation(streamId, accountDecider);
      return state?.customerId || undefined;
    });
  }

  /** The customer who owns the order's account; undefined when there is no such order. */
  orderOwner(orderId: string): Promise<string | undefined> {
    return this.remembered(orderStream(orderId), async (streamId) => {
      const state = await this.aggregates.stateAtCreation(streamId, orderDecider);
      return state?.accountId ? this.accountOwner(state.accountId) : undefined;
    });
  }

  private async remembered(
    streamId: string,
    lookUp: (streamId: string) => Promise<string | undefined>,
  ): Promise<string | undefined> {
    const known = this.owners.get(streamId);
    if (known !== undefined) return known;
    const owner = await lookUp(streamId);
    if (owner === undefined) return undefined;
    if (this.owners.size >= OWNERSHIP_CACHE_SIZE) {
      // Maps iterate in insertion order: the first key is the oldest entry.
      this.owners.delete(this.owners.keys().next().value!);
    }
    this.owners.set(streamId, owner);
    return owner;
  }
}
