import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type DomainEvent } from '../../src/events/event-catalog.js';
import { encodeEvent } from '../../src/events/event-codec.js';
import { accountStream, orderStream } from '../../src/events/stream-names.js';
import { type EventStore } from '../../src/event-store/event-store.port.js';
import { type Position, START, maxPosition } from '../../src/event-store/position.js';
import {
  type OrderSearchFilter,
  type OrderSearchHit,
  type OrderSearchPort,
  type OrderSearchResult,
} from '../../src/queries/search/order-search.port.js';
import {
  accountEvents as account,
  orderEvents as order,
  type Placement,
} from '../projections/projected-events.js';

/** One stream write, as a command would append it: the events and the command's time. */
export interface LogAppend {
  readonly streamId: string;
  readonly events: readonly DomainEvent[];
  /** ISO 8601: the events' `occurredAt`. */
  readonly occurredAt: string;
}

/** An OrderSearchPort adapter over a log of its own. */
export interface OrderSearchHarness {
  readonly search: OrderSearchPort;
  /** Appends these writes to the log, in order, and returns once the adapter has indexed them. */
  given(appends: readonly LogAppend[]): Promise<void>;
  /**
   * Delivers the whole log to the adapter again (a rebuild, a checkpoint lost) and
   * returns once it has caught up.
   */
  replay(): Promise<void>;
  dispose(): Promise<void>;
}

/** Writes appends to a store as commands would (one append each); answers the last position. */
export async function appendToLog(
  store: EventStore,
  appends: readonly LogAppend[],
): Promise<Position> {
  let last = START;
  for (const { streamId, events, occurredAt } of appends) {
    const result = await store.appendToStream(
      streamId,
      events.map((event) => ({
        id: randomUUID(),
        ...encodeEvent(event),
        metadata: {
          correlationId: 'contract',
          causationId: 'contract',
          commandId: randomUUID(),
          userId: 'contract',
          occurredAt,
        },
      })),
      { expectedRevision: 'any' },
    );
    last = maxPosition(last, result.position);
  }
  return last;
}

const at = (minute: number): string => new Date(Date.UTC(2026, 2, 2, 9, minute)).toISOString();

/** Two customers, three accounts, orders of every kind, some at the same instant. */
class World {
  readonly alpha = `alpha-${randomUUID().slice(0, 8)}`;
  readonly beta = `beta-${randomUUID().slice(0, 8)}`;
  readonly alphaUsd = randomUUID();
  readonly alphaEur = randomUUID();
  readonly betaUsd = randomUUID();
  readonly appends: LogAppend[] = [];
  /** Every order id, with its customer. */
  readonly customers = new Map<string, string>();
  readonly earlyFeeOrder = randomUUID();
  readonly rejectedOrder = randomUUID();
  private minute = 0;

  constructor() {
    this.write(accountStream(this.alphaUsd), account.opened(this.alphaUsd, 'USD', this.alpha));
    this.write(accountStream(this.alphaEur), account.opened(this.alphaEur, 'EUR', this.alpha));
    this.write(accountStream(this.betaUsd), account.opened(this.betaUsd, 'USD', this.beta));
    const usd = { accountId: this.alphaUsd, currency: 'USD' } as const;
    this.placeMany(usd, 'AAPL', 6);
    this.placeMany({ accountId: this.alphaEur, currency: 'EUR', side: 'SELL' }, 'SAP', 4);
    this.placeMany({ accountId: this.betaUsd, currency: 'USD' }, 'MSFT', 5);
    this.write(
      accountStream(this.alphaUsd),
      account.feeCharged(this.alphaUsd, this.earlyFeeOrder, 275n),
    );
    this.place(this.earlyFeeOrder, { ...usd, instrument: 'NVDA' });
    this.place(this.rejectedOrder, { ...usd, instrument: 'TSLA', limitPriceMinor: 100n });
    this.write(
      orderStream(this.rejectedOrder),
      // A reason that names another order's instrument: a word can match either.
      order.rejected(this.rejectedOrder, 'insufficient cash, see msft'),
    );
  }

  private write(streamId: string, ...events: DomainEvent[]): void {
    this.appends.push({ streamId, events, occurredAt: at(this.minute++) });
  }

  private place(orderId: string, placement: Placement, sameInstantAs?: string): void {
    const placedAt = sameInstantAs ?? at(this.minute);
    this.write(orderStream(orderId), order.placed(orderId, { ...placement, placedAt }));
    const accountId = placement.accountId;
    this.customers.set(orderId, accountId === this.betaUsd ? this.beta : this.alpha);
  }

  /** Orders with a lifecycle each: some filled and completed, some cancelled, some open. */
  private placeMany(placement: Placement, instrument: string, count: number): void {
    let previous: string | undefined;
    for (let i = 0; i < count; i++) {
      const orderId = randomUUID();
      // Every other order shares its placement instant with the one before it.
      const shared = i % 2 === 1 ? previous : undefined;
      const limit = i % 3 === 0 ? { limitPriceMinor: 1_000n + BigInt(i) } : {};
      this.place(orderId, { ...placement, instrument, ...limit }, shared);
      previous = at(this.minute - 1);
      this.write(orderStream(orderId), order.accepted(orderId));
      if (i % 3 === 1) {
        this.write(
          orderStream(orderId),
          order.filled(orderId, 10n, 1_500n),
          order.completed(orderId),
        );
      } else if (i % 3 === 2) {
        this.write(orderStream(orderId), order.cancelled(orderId, 'customer changed mind'));
      }
    }
  }
}

const MAX_PAGES = 50;

async function allHits(
  search: OrderSearchPort,
  text: string | undefined,
  filter: OrderSearchFilter,
  limit: number,
): Promise<OrderSearchHit[]> {
  const hits: OrderSearchHit[] = [];
  let after: OrderSearchHit['key'] | undefined;
  for (let page = 0; page < MAX_PAGES; page++) {
    const result = await search.search({ text, filter, limit, after });
    hits.push(...result.hits.items);
    if (!result.hits.hasMore) return hits;
    after = result.hits.items.at(-1)!.key;
  }
  throw new Error('too many pages');
}

function facetCounts(hits: readonly OrderSearchHit[], value: (hit: OrderSearchHit) => string) {
  const counts = new Map<string, number>();
  for (const hit of hits) counts.set(value(hit), (counts.get(value(hit)) ?? 0) + 1);
  return [...counts]
    .map(([key, count]) => ({ value: key, count }))
    .sort((a, b) => b.count - a.count || (a.value < b.value ? -1 : a.value > b.value ? 1 : 0));
}

function newestFirst(a: OrderSearchHit, b: OrderSearchHit): number {
  if (a.placedAt !== b.placedAt) return a.placedAt < b.placedAt ? 1 : -1;
  return a.orderId < b.orderId ? 1 : a.orderId > b.orderId ? -1 : 0;
}

/** The cases every OrderSearchPort adapter must pass. */
export function orderSearchContract(name: string, open: () => Promise<OrderSearchHarness>): void {
  describe(`order search contract: ${name}`, () => {
    let harness: OrderSearchHarness;
    const world = new World();
    const ids = (result: OrderSearchResult) => result.hits.items.map((hit) => hit.orderId).sort();
    const find = (text: string | undefined, filter: OrderSearchFilter = {}) =>
      harness.search.search({ text, filter, limit: 200 });

    beforeAll(async () => {
      harness = await open();
      await harness.given(world.appends);
    }, 120_000);
    afterAll(() => harness?.dispose());

    it('finds an order by its whole id and by a part of it', async () => {
      const orderId = world.rejectedOrder;
      expect(ids(await find(orderId))).toEqual([orderId]);
      expect(ids(await find(orderId.slice(9, 18).toUpperCase()))).toEqual([orderId]);
    });

    it('finds orders by account, customer and instrument, whole or in part', async () => {
      const ofAlpha = [...world.customers.values()].filter((customer) => customer === world.alpha);
      expect((await find(world.alphaUsd)).total).toBe(8);
      expect((await find(world.alphaUsd.slice(0, 8))).total).toBe(8);
      // A long word is looked up by its beginning: the rest of it must match too.
      expect((await find(world.alphaUsd.slice(0, 24))).total).toBe(8);
      expect((await find(`${world.alphaUsd.slice(0, 12)}-not-this-id`)).total).toBe(0);
      expect((await find(world.alpha)).total).toBe(ofAlpha.length);
      expect((await find(world.beta.slice(0, 7))).total).toBe(5);
      // The MSFT orders, and the TSLA order whose reason names MSFT as a word.
      expect((await find('msft')).total).toBe(6);
      // A part of a word is looked for in the ids, customer and symbol, not the reason.
      expect((await find('MSF')).total).toBe(5);
    });

    it('finds a whole word of the reason or the status', async () => {
      expect(ids(await find('insufficient'))).toEqual([world.rejectedOrder]);
      expect((await find('mind')).total).toBe(4);
      expect((await find('completed')).total).toBe(5);
    });

    it('needs every word (AND) and ignores blanks', async () => {
      expect((await find('  mind   sap ')).total).toBe(1);
      expect((await find('mind nowhere-to-be-found')).total).toBe(0);
      expect((await find('   ')).total).toBe(world.customers.size);
    });

    it('applies each filter, and the filters together', async () => {
      const all = await allHits(harness.search, undefined, {}, 200);
      const cases: [OrderSearchFilter, (hit: OrderSearchHit) => boolean][] = [
        [{ accountIds: [world.alphaEur] }, (hit) => hit.accountId === world.alphaEur],
        [
          { statuses: ['COMPLETED', 'REJECTED'] },
          (hit) => ['COMPLETED', 'REJECTED'].includes(hit.status),
        ],
        [{ sides: ['SELL'] }, (hit) => hit.side === 'SELL'],
        [{ orderTypes: ['LIMIT'] }, (hit) => hit.orderType === 'LIMIT'],
        [{ instruments: ['SAP', 'NVDA'] }, (hit) => ['SAP', 'NVDA'].includes(hit.instrument)],
        [
          { placedFrom: at(10), placedTo: at(30) },
          (hit) =>
            Date.parse(hit.placedAt) >= Date.parse(at(10)) &&
            Date.parse(hit.placedAt) < Date.parse(at(30)),
        ],
        [
          { sides: ['BUY'], orderTypes: ['MARKET'], accountIds: [world.betaUsd] },
          (hit) =>
            hit.side === 'BUY' && hit.orderType === 'MARKET' && hit.accountId === world.betaUsd,
        ],
      ];
      for (const [filter, wanted] of cases) {
        const expected = all
          .filter(wanted)
          .map((hit) => hit.orderId)
          .sort();
        expect(expected.length, JSON.stringify(filter)).toBeGreaterThan(0);
        expect(ids(await find(undefined, filter)), JSON.stringify(filter)).toEqual(expected);
      }
    });

    it("scopes to a customer: another customer's orders never appear", async () => {
      for (const text of [undefined, world.betaUsd, 'msft', world.beta]) {
        const result = await find(text, { customerId: world.alpha });
        expect(result.hits.items.every((hit) => hit.customerId === world.alpha)).toBe(true);
        expect(result.facets.account.every((facet) => facet.value !== world.betaUsd)).toBe(true);
      }
      expect((await find(undefined, { customerId: world.beta })).total).toBe(5);
    });

    it('pages through every hit newest first, none twice and none missed', async () => {
      const paged = await allHits(harness.search, undefined, {}, 3);
      expect(paged).toHaveLength(world.customers.size);
      expect(new Set(paged.map((hit) => hit.orderId)).size).toBe(paged.length);
      expect(paged).toEqual([...paged].sort(newestFirst));
      const first = await harness.search.search({ filter: {}, limit: 3 });
      expect(first.total).toBe(world.customers.size);
    });

    it('counts what it pages: words matched by the instrument, the text, or both', async () => {
      const texts = [
        'msft',
        'MSF',
        'msft insufficient',
        'sap mind',
        `${world.alphaUsd.slice(0, 8)} aapl`,
        'completed msft',
        'msft aapl',
      ];
      const filters: OrderSearchFilter[] = [
        {},
        { sides: ['BUY'] },
        { instruments: ['MSFT'] },
        { instruments: ['TSLA', 'SAP'] },
      ];
      for (const text of texts) {
        for (const filter of filters) {
          const label = `${text} ${JSON.stringify(filter)}`;
          const result = await find(text, filter);
          const hits = await allHits(harness.search, text, filter, 3);
          expect(result.total, label).toBe(hits.length);
          expect(ids(result), label).toEqual(hits.map((hit) => hit.orderId).sort());
          expect(result.facets.instrument, label).toEqual(
            facetCounts(hits, (hit) => hit.instrument),
          );
          expect(result.facets.account, label).toEqual(facetCounts(hits, (hit) => hit.accountId));
          // Every word must match: the hits of several words are those of each word.
          const eachWord = await Promise.all(text.split(' ').map((word) => find(word, filter)));
          const common = eachWord
            .map((found) => new Set(ids(found)))
            .reduce((a, b) => new Set([...a].filter((id) => b.has(id))));
          expect(ids(result), label).toEqual([...common].sort());
        }
      }
      expect((await find('msft insufficient')).total).toBe(1);
      expect((await find('completed msft')).total).toBeGreaterThan(0);
    });

    it('counts facets over every hit, not only the page', async () => {
      const result = await harness.search.search({ text: 'mind', filter: {}, limit: 1 });
      const hits = await allHits(harness.search, 'mind', {}, 200);
      expect(result.total).toBe(hits.length);
      expect(result.facets).toEqual({
        status: facetCounts(hits, (hit) => hit.status),
        side: facetCounts(hits, (hit) => hit.side),
        instrument: facetCounts(hits, (hit) => hit.instrument),
        account: facetCounts(hits, (hit) => hit.accountId),
      });
      const everything = await find(undefined);
      const all = await allHits(harness.search, undefined, {}, 200);
      expect(everything.facets.account).toEqual(facetCounts(all, (hit) => hit.accountId));
      expect(everything.facets.status).toEqual(facetCounts(all, (hit) => hit.status));
    });

    it('shows the order fields, with a fee charged before the placement', async () => {
      const [hit] = (await find(world.earlyFeeOrder)).hits.items;
      expect(hit).toMatchObject({
        orderId: world.earlyFeeOrder,
        accountId: world.alphaUsd,
        customerId: world.alpha,
        instrument: 'NVDA',
        currency: 'USD',
        side: 'BUY',
        orderType: 'MARKET',
        quantity: 10n,
        limitPriceMinor: null,
        feeMinor: 275n,
        status: 'PLACED',
        reason: null,
      });
      expect(hit!.placedAt).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z$/);
      expect(hit!.key).toEqual({ placedAt: hit!.placedAt, orderId: hit!.orderId });
      const [filled] = (await find('completed sap')).hits.items;
      expect(filled).toMatchObject({ filledQuantity: 10n, filledNotionalMinor: 15_000n });
    });

    it('gives the same answers after the log is delivered again', async () => {
      const before = await allHits(harness.search, undefined, {}, 200);
      const facets = (await find(undefined)).facets;
      await harness.replay();
      expect(await allHits(harness.search, undefined, {}, 200)).toEqual(before);
      expect((await find(undefined)).facets).toEqual(facets);
    }, 120_000);
  });
}
