import { describe, expect, it } from 'vitest';
import { type AggregateStore } from '../../commands/aggregate-store.js';
import { accountStream, orderStream } from '../../events/stream-names.js';
import { OWNERSHIP_CACHE_SIZE, Ownership } from './ownership.js';

/** Streams' first-event states by stream id, and the reads made of them. */
function storeOf(states: Map<string, object>): { store: AggregateStore; reads: string[] } {
  const reads: string[] = [];
  const store = {
    stateAtCreation: (streamId: string) => {
      reads.push(streamId);
      return Promise.resolve(states.get(streamId));
    },
  } as unknown as AggregateStore;
  return { store, reads };
}

const ACCOUNT = '0b7c9d1e-8f1a-4c2b-9d3e-4f5a6b7c8d9e';
const ORDER = '1c8d0e2f-9a2b-4d3c-8e4f-5a6b7c8d9e0f';

describe('Ownership', () => {
  it("reads an account's owner once and remembers it", async () => {
    const { store, reads } = storeOf(new Map([[accountStream(ACCOUNT), { customerId: 'c-1' }]]));
    const ownership = new Ownership(store);
    expect(await ownership.accountOwner(ACCOUNT)).toBe('c-1');
    expect(await ownership.accountOwner(ACCOUNT)).toBe('c-1');
    expect(reads).toEqual([accountStream(ACCOUNT)]);
  });

  it("finds an order's owner through its account", async () => {
    const { store } = storeOf(
      new Map<string, object>([
        [orderStream(ORDER), { accountId: ACCOUNT }],
        [accountStream(ACCOUNT), { customerId: 'c-2' }],
      ]),
    );
    expect(await new Ownership(store).orderOwner(ORDER)).toBe('c-2');
  });

  it('does not remember a stream that does not exist yet: it may be created next', async () => {
    const states = new Map<string, object>();
    const { store, reads } = storeOf(states);
    const ownership = new Ownership(store);
    expect(await ownership.accountOwner(ACCOUNT)).toBeUndefined();
    states.set(accountStream(ACCOUNT), { customerId: 'c-3' });
    expect(await ownership.accountOwner(ACCOUNT)).toBe('c-3');
    expect(reads).toHaveLength(2);
  });

  it('keeps at most OWNERSHIP_CACHE_SIZE owners, forgetting the oldest first', async () => {
    const { store, reads } = storeOf({
      get: (streamId: string) => ({ customerId: `owner of ${streamId}` }),
    } as unknown as Map<string, object>);
    const ownership = new Ownership(store);
    for (let i = 0; i <= OWNERSHIP_CACHE_SIZE; i++) await ownership.accountOwner(`a-${i}`);
    reads.length = 0;
    await ownership.accountOwner(`a-${OWNERSHIP_CACHE_SIZE}`);
    await ownership.accountOwner('a-1');
    expect(reads).toEqual([]);
    await ownership.accountOwner('a-0');
    expect(reads).toEqual([accountStream('a-0')]);
  });
});
