import { decodeEvent } from '../../events/event-codec.js';
import { accountStream } from '../../events/stream-names.js';
import { type EventStore } from '../../event-store/event-store.port.js';

/** What an account's first event fixes for good: whose it is and its currency. */
export interface AccountFacts {
  readonly customerId: string;
  readonly currency: string;
}

/** Accounts remembered at most; the oldest are forgotten first. */
export const ACCOUNT_CACHE_SIZE = 100_000;
/** Account streams read at once for one batch. */
const CONCURRENT_READS = 16;

/**
 * The customer and currency of accounts, read from each account stream's first event
 * (AccountOpened) through the event-store port, as the API's ownership check does: both
 * never change, so an answer found is kept (bounded). A missing account is an error: an
 * order or a payment names only accounts that were opened before it.
 */
export class AccountDirectory {
  private readonly known = new Map<string, AccountFacts>();

  constructor(
    private readonly store: EventStore,
    private readonly maxSize: number = ACCOUNT_CACHE_SIZE,
  ) {}

  async factsOf(accountIds: Iterable<string>): Promise<Map<string, AccountFacts>> {
    const wanted = [...new Set(accountIds)];
    const missing = wanted.filter((id) => !this.known.has(id));
    for (let i = 0; i < missing.length; i += CONCURRENT_READS) {
      const chunk = missing.slice(i, i + CONCURRENT_READS);
      const read = await Promise.all(chunk.map((id) => this.readFacts(id)));
      chunk.forEach((id, j) => this.remember(id, read[j]!));
    }
    return new Map(wanted.map((id) => [id, this.known.get(id)!]));
  }

  private async readFacts(accountId: string): Promise<AccountFacts> {
    const [first] = await this.store.readStream(accountStream(accountId), { maxCount: 1 });
    const event = first ? decodeEvent(first) : undefined;
    if (event?.type !== 'AccountOpened') {
      throw new Error(`account ${accountId} has no AccountOpened event`);
    }
    return { customerId: event.data.customerId, currency: event.data.currency };
  }

  private remember(accountId: string, facts: AccountFacts): void {
    if (this.known.size >= this.maxSize) {
      // Maps iterate in insertion order: the first key is the oldest entry.
      this.known.delete(this.known.keys().next().value!);
    }
    this.known.set(accountId, facts);
  }
}
