import { type EventStore, type RecordedEvent } from '../event-store/event-store.port.js';
import { type DomainEvent } from '../events/event-catalog.js';
import { decodeEvent } from '../events/event-codec.js';
import { ACCOUNT_STREAM_PREFIX, accountStream, orderStream } from '../events/stream-names.js';
import { type Currency } from '../domain/money.js';
import { movesMoney } from './event-rows.js';

/** Accounts and orders whose currency is kept; the oldest learned goes first past it. */
const MAX_REMEMBERED = 100_000;
/** Streams read at once to learn the currency of what opened before the exported range. */
const LOOKUP_CONCURRENCY = 8;

export interface DecodedEvent {
  readonly recorded: RecordedEvent;
  readonly event: DomainEvent;
}

type Owner = { readonly kind: 'account' | 'order'; readonly id: string };

function remember(map: Map<string, Currency>, id: string, currency: Currency): void {
  map.set(id, currency);
  if (map.size > MAX_REMEMBERED) map.delete(map.keys().next().value!);
}

/**
 * The currency of each money-moving event. Only accounts and orders carry it (in
 * AccountOpened and OrderPlaced): an account stream's events are in its account's
 * currency, every other money event names its order. Openings inside the range teach it
 * as they pass; for those before the range, the first event of the account's or order's
 * stream is read through the port, so it works on either store.
 */
export class CurrencyLookup {
  private readonly accounts = new Map<string, Currency>();
  private readonly orders = new Map<string, Currency>();

  constructor(private readonly store: EventStore) {}

  /** Learns what this page opens and reads what it needs from before it. */
  async prepare(page: readonly DecodedEvent[]): Promise<void> {
    const missing = new Map<string, Owner>();
    for (const { recorded, event } of page) {
      this.learn(event);
      if (!movesMoney(event)) continue;
      const owner = ownerOf(recorded, event);
      if (owner && this.known(owner) === undefined) missing.set(`${owner.kind}:${owner.id}`, owner);
    }
    const owners = [...missing.values()];
    for (let start = 0; start < owners.length; start += LOOKUP_CONCURRENCY) {
      await Promise.all(owners.slice(start, start + LOOKUP_CONCURRENCY).map((o) => this.lookUp(o)));
    }
  }

  /** The event's currency once `prepare` saw its page; null for an event that moves no money. */
  currencyOf(recorded: RecordedEvent, event: DomainEvent): Currency | null {
    this.learn(event);
    if (!movesMoney(event)) return null;
    const owner = ownerOf(recorded, event);
    const currency = owner && this.known(owner);
    if (currency === undefined || currency === null) {
      throw new Error(`no currency known for ${event.type} at ${recorded.streamId}`);
    }
    return currency;
  }

  private known(owner: Owner): Currency | undefined {
    return (owner.kind === 'account' ? this.accounts : this.orders).get(owner.id);
  }

  private learn(event: DomainEvent): void {
    if (event.type === 'AccountOpened')
      remember(this.accounts, event.data.accountId, event.data.currency);
    if (event.type === 'OrderPlaced')
      remember(this.orders, event.data.orderId, event.data.currency);
  }

  private async lookUp(owner: Owner): Promise<void> {
    const stream = owner.kind === 'account' ? accountStream(owner.id) : orderStream(owner.id);
    const [first] = await this.store.readStream(stream, { maxCount: 1 });
    if (first) this.learn(decodeEvent(first));
    if (this.known(owner) === undefined) {
      throw new Error(`${stream} does not start with its opening: its currency is unknown`);
    }
  }
}

function ownerOf(recorded: RecordedEvent, event: DomainEvent): Owner | undefined {
  if (recorded.streamId.startsWith(ACCOUNT_STREAM_PREFIX)) {
    return { kind: 'account', id: recorded.streamId.slice(ACCOUNT_STREAM_PREFIX.length) };
  }
  const orderId = (event.data as { readonly orderId?: unknown }).orderId;
  return typeof orderId === 'string' ? { kind: 'order', id: orderId } : undefined;
}
