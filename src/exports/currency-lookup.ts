import { type EventStore } from '../event-store/event-store.port.js';
import { decodeEvent } from '../events/event-codec.js';
import { accountStream, orderStream } from '../events/stream-names.js';
import { type Currency } from '../domain/money.js';

/** Streams read at once to learn the currency of what opened before the exported range. */
const LOOKUP_CONCURRENCY = 8;

/** `account:<id>` or `order:<id>`: who a money event's currency belongs to. */
export type Owner = string;

/**
 * The currency of accounts and orders opened before the exported range. Only they carry
 * it (in AccountOpened and OrderPlaced), as the first event of their stream, which is
 * read through the port, so it works on either store.
 */
export async function lookUpCurrencies(
  store: EventStore,
  owners: readonly Owner[],
): Promise<Map<Owner, Currency>> {
  const found = new Map<Owner, Currency>();
  for (let start = 0; start < owners.length; start += LOOKUP_CONCURRENCY) {
    const batch = owners.slice(start, start + LOOKUP_CONCURRENCY);
    const currencies = await Promise.all(batch.map((owner) => currencyOf(store, owner)));
    batch.forEach((owner, index) => found.set(owner, currencies[index]!));
  }
  return found;
}

async function currencyOf(store: EventStore, owner: Owner): Promise<Currency> {
  const [kind, id] = [owner.slice(0, owner.indexOf(':')), owner.slice(owner.indexOf(':') + 1)];
  const stream = kind === 'account' ? accountStream(id) : orderStream(id);
  const [first] = await store.readStream(stream, { maxCount: 1 });
  const event = first && decodeEvent(first);
  if (event?.type === 'AccountOpened' && kind === 'account' && event.data.accountId === id)
    return event.data.currency;
  if (event?.type === 'OrderPlaced' && kind === 'order' && event.data.orderId === id)
    return event.data.currency;
  throw new Error(`${stream} does not start with its opening: its currency is unknown`);
}
