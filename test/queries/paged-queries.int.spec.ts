import { describe, expect, it } from 'vitest';
import { type Position, encodePosition } from '../../src/event-store/position.js';
import { seededRandom } from '../../src/shared/seeded-random.js';
import {
  MAX_PARKED_PAGE,
  ParkedEventsRepository,
} from '../../src/projections/engine/parked-events.repository.js';
import {
  AccountStatementHandler,
  AccountStatementQuery,
} from '../../src/queries/accounts/account-statement.query.js';
import { AccountsHandler, AccountsQuery } from '../../src/queries/accounts/accounts.query.js';
import {
  LedgerEntriesHandler,
  LedgerEntriesQuery,
} from '../../src/queries/ledger/ledger-entries.query.js';
import { OrdersHandler, OrdersQuery } from '../../src/queries/orders/orders.query.js';
import { MAX_PAGE_SIZE, type Page } from '../../src/queries/paging/page.js';
import { AccountStatementsRepository } from '../../src/queries/repositories/account-statements.repository.js';
import { AccountsRepository } from '../../src/queries/repositories/accounts.repository.js';
import { LedgerEntriesRepository } from '../../src/queries/repositories/ledger-entries.repository.js';
import { OrdersRepository } from '../../src/queries/repositories/orders.repository.js';
import {
  MAX_PARKED_LISTED,
  OrderSagasRepository,
} from '../../src/sagas/order-placement/order-sagas.repository.js';
import {
  insertAccount,
  insertLedgerEntry,
  insertOrder,
  insertOrderSaga,
  insertParkedEvent,
  insertStatementLine,
  type ReadSide,
  useReadSide,
} from './read-side.fixtures.js';

/**
 * Every paged query, paged to the end at several page sizes over rows whose keys cross
 * digit-count boundaries (999 -> 1000, 9,999 -> 10,000). There a key sorted as text
 * ('1000' < '999') parts from the same key compared as a number, as when an output alias
 * shadowed the column that ORDER BY meant. A new paged query gets these tests by being
 * listed in PAGED_QUERIES, not by being remembered.
 */

/** Both parts of a log position cross 9 -> 10, 99 -> 100, 999 -> 1000 and 9,999 -> 10,000. */
const COMMITS = [9n, 10n, 99n, 100n, 999n, 1_000n, 1_015n, 9_999n, 10_000n, 101_541n];
const PREPARES = [7n, 10n, 115n, 999n, 1_000n, 9_999n, 10_000n, 50_463n];
/** COMMITS x PREPARES, in log order. */
const POSITIONS: readonly Position[] = COMMITS.flatMap((commit) =>
  PREPARES.map((prepare) => ({ commit, prepare })),
);

/** Numbers on each side of each digit-count boundary, for ids that end in them. */
const AROUND_BOUNDARIES = [10, 100, 1_000, 10_000, 100_000].flatMap((n) => [n - 1, n, n + 1]);

/**
 * Ids sorted as the views sort text. One prefix and then digits only: every collation
 * orders these as JavaScript compares them, so the expectation does not hang on the
 * server's locale.
 */
function idsAroundBoundaries(prefix: string): string[] {
  return AROUND_BOUNDARIES.map((n) => `${prefix}${n}`).sort();
}

/**
 * Microseconds that cross 999 -> 1000 and 9,999 -> 10,000, some within one millisecond (a
 * JavaScript Date drops them): oldest first. All written out in full, so that they sort as
 * text as they do in time.
 */
const INSTANTS = [
  '2024-05-01T10:00:00.000999Z',
  '2024-05-01T10:00:00.001000Z',
  '2024-05-01T10:00:00.001001Z',
  '2024-05-01T10:00:00.009999Z',
  '2024-05-01T10:00:00.010000Z',
  '2024-05-01T10:00:09.999999Z',
  '2024-05-01T10:00:10.000000Z',
];

/** Page sizes: one row, a few, more than most sequences of equal keys, and the largest. */
const PAGE_SIZES = [1, 2, 3, 7, 50, MAX_PAGE_SIZE];

/** Rows go in scrambled: the table's physical order must not pass for its key order. */
function scrambled<T>(rows: readonly T[]): T[] {
  const random = seededRandom(10);
  const out = [...rows];
  for (let i = out.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [out[i], out[j]] = [out[j]!, out[i]!];
  }
  return out;
}

/** One page as the test compares it: each row by a key naming it uniquely. */
interface KeyPage {
  readonly keys: readonly string[];
  readonly endCursor: string | null;
  readonly hasNextPage: boolean;
}

interface PagedQueryCase {
  readonly name: string;
  /** Writes the rows (and some the query must leave out); answers the keys it must return, in order. */
  seed(harness: ReadSide): Promise<string[]>;
  readonly paging: CursorPaging | FirstOnlyPaging;
}

/** A connection: `first` rows after the `after` cursor, and where the next page starts. */
interface CursorPaging {
  readonly kind: 'cursor';
  page(harness: ReadSide, first: number, after: string | null): Promise<KeyPage>;
}

/** A bounded listing with no cursor: the first `first` rows, at most `maxFirst`. */
interface FirstOnlyPaging {
  readonly kind: 'first-only';
  readonly maxFirst: number;
  list(harness: ReadSide, first: number): Promise<string[]>;
}

function keyPage<T>(page: Page<T>, key: (node: T) => string): KeyPage {
  return { keys: page.nodes.map(key), endCursor: page.endCursor, hasNextPage: page.hasNextPage };
}

const positionKey = (position: Position): string => encodePosition(position);

const ACCOUNT_ID = 'account-paged';
const CUSTOMER_ID = 'customer-paged';
const PROJECTION = 'paged-projection';

const accounts: PagedQueryCase = {
  name: 'accounts (id order)',
  async seed({ pool }) {
    const ids = idsAroundBoundaries('account-');
    for (const accountId of scrambled(ids)) {
      await insertAccount(pool, { accountId, customerId: CUSTOMER_ID });
    }
    await insertAccount(pool, { accountId: 'account-5', customerId: 'customer-other' });
    return ids;
  },
  paging: {
    kind: 'cursor',
    async page({ pool, consistency }, first, after) {
      const handler = new AccountsHandler(consistency, new AccountsRepository(pool));
      const { value } = await handler.execute(new AccountsQuery(CUSTOMER_ID, first, after, {}));
      return keyPage(value, (account) => account.accountId);
    },
  },
};

const orders: PagedQueryCase = {
  name: 'orders (newest first, then id descending)',
  async seed({ pool }) {
    const rows = INSTANTS.flatMap((placedAt, instant) =>
      idsAroundBoundaries(`order-${instant}-`).map((orderId) => ({ orderId, placedAt })),
    );
    for (const row of scrambled(rows)) await insertOrder(pool, { ...row, accountId: ACCOUNT_ID });
    await insertOrder(pool, { orderId: 'order-other', accountId: 'account-other' });
    return rows.map((row) => row.orderId).reverse();
  },
  paging: {
    kind: 'cursor',
    async page({ pool, consistency }, first, after) {
      const handler = new OrdersHandler(consistency, new OrdersRepository(pool));
      const { value } = await handler.execute(
        new OrdersQuery({ accountId: ACCOUNT_ID }, first, after, {}),
      );
      return keyPage(value, (order) => order.orderId);
    },
  },
};

const statements: PagedQueryCase = {
  name: 'account statement (log order)',
  async seed({ pool }) {
    await insertAccount(pool, { accountId: ACCOUNT_ID, customerId: 'customer-statement' });
    for (const position of scrambled(POSITIONS)) {
      await insertStatementLine(pool, {
        accountId: ACCOUNT_ID,
        position,
        amountMinor: 1n,
        balanceAfterMinor: 1n,
      });
    }
    await insertStatementLine(pool, {
      accountId: 'account-other',
      position: POSITIONS[0]!,
      amountMinor: 1n,
      balanceAfterMinor: 1n,
    });
    return POSITIONS.map(positionKey);
  },
  paging: {
    kind: 'cursor',
    async page({ pool, consistency }, first, after) {
      const handler = new AccountStatementHandler(
        consistency,
        new AccountStatementsRepository(pool),
      );
      const { value } = await handler.execute(
        new AccountStatementQuery(ACCOUNT_ID, first, after, {}),
      );
      return keyPage(value, (line) => positionKey(line.position));
    },
  },
};

/** Two postings per movement; every eighth has twelve, so that posting indexes pass 9 -> 10. */
function postingIndexes(movement: number): number[] {
  return Array.from({ length: movement % 8 === 0 ? 12 : 2 }, (_, index) => index);
}

const ledgerEntries: PagedQueryCase = {
  name: 'ledger entries (log order, then posting index)',
  async seed({ pool }) {
    const rows = POSITIONS.flatMap((position, movement) =>
      postingIndexes(movement).map((postingIndex) => ({ position, postingIndex })),
    );
    for (const row of scrambled(rows)) {
      await insertLedgerEntry(pool, {
        ...row,
        ledgerAccount: `customer-cash:${ACCOUNT_ID}`,
        accountId: ACCOUNT_ID,
        amountMinor: 1n,
      });
    }
    // Another account's posting between two of these: left out.
    await insertLedgerEntry(pool, {
      position: POSITIONS[0]!,
      postingIndex: 99,
      ledgerAccount: 'fee-income',
      accountId: 'account-other',
      amountMinor: 1n,
    });
    return rows.map((row) => `${positionKey(row.position)}/${row.postingIndex}`);
  },
  paging: {
    kind: 'cursor',
    async page({ pool, consistency }, first, after) {
      const handler = new LedgerEntriesHandler(consistency, new LedgerEntriesRepository(pool));
      const { value } = await handler.execute(new LedgerEntriesQuery(ACCOUNT_ID, first, after, {}));
      return keyPage(value, (entry) => `${positionKey(entry.position)}/${entry.postingIndex}`);
    },
  },
};

const parkedEvents: PagedQueryCase = {
  name: 'parked events (log order)',
  async seed({ pool }) {
    for (const position of scrambled(POSITIONS)) {
      await insertParkedEvent(pool, { projection: PROJECTION, position });
    }
    await insertParkedEvent(pool, { projection: 'other-projection', position: POSITIONS[1]! });
    await insertParkedEvent(pool, {
      projection: PROJECTION,
      position: { commit: 1_000n, prepare: 1n },
      replayed: true,
    });
    return POSITIONS.map(positionKey);
  },
  paging: {
    kind: 'first-only',
    maxFirst: MAX_PARKED_PAGE,
    async list({ pool }, first) {
      const parked = await new ParkedEventsRepository(pool).list(PROJECTION, first);
      return parked.map((event) => positionKey(event.position));
    },
  },
};

// Regression: two projections that parked the same event came back in either order.
const parkedEventsOfEveryProjection: PagedQueryCase = {
  name: 'parked events of every projection (log order, then projection)',
  async seed({ pool }) {
    // A listing of every projection reads the whole table: start it empty.
    await pool.query('DELETE FROM ledger_projection_parked');
    const rows = POSITIONS.flatMap((position) =>
      ['b-projection', 'a-projection'].map((projection) => ({ projection, position })),
    );
    for (const row of scrambled(rows)) await insertParkedEvent(pool, row);
    return POSITIONS.flatMap((position) =>
      ['a-projection', 'b-projection'].map(
        (projection) => `${positionKey(position)}/${projection}`,
      ),
    );
  },
  paging: {
    kind: 'first-only',
    maxFirst: MAX_PARKED_PAGE,
    async list({ pool }, first) {
      const parked = await new ParkedEventsRepository(pool).list(undefined, first);
      return parked.map((event) => `${positionKey(event.position)}/${event.projection}`);
    },
  },
};

const parkedSagas: PagedQueryCase = {
  name: 'parked sagas (oldest parked first, then order id)',
  async seed({ pool }) {
    const rows = INSTANTS.flatMap((parkedAt, instant) =>
      idsAroundBoundaries(`order-${instant}-`).map((orderId) => ({ orderId, parkedAt })),
    );
    for (const row of scrambled(rows)) await insertOrderSaga(pool, { ...row, status: 'parked' });
    await insertOrderSaga(pool, { orderId: 'order-active', status: 'active' });
    await insertOrderSaga(pool, { orderId: 'order-finished', status: 'finished' });
    return rows.map((row) => row.orderId);
  },
  paging: {
    kind: 'first-only',
    maxFirst: MAX_PARKED_LISTED,
    async list({ pool }, first) {
      const parked = await new OrderSagasRepository(pool).listParked(first);
      return parked.map((saga) => saga.orderId);
    },
  },
};

/** Every paged query. A new one is listed here. */
const PAGED_QUERIES: readonly PagedQueryCase[] = [
  accounts,
  orders,
  statements,
  ledgerEntries,
  parkedEvents,
  parkedEventsOfEveryProjection,
  parkedSagas,
];

/** Follows endCursor to the last page; bounded, so that a cursor going in circles fails, not hangs. */
async function pageToTheEnd(
  harness: ReadSide,
  paging: CursorPaging,
  first: number,
  maxPages: number,
): Promise<KeyPage[]> {
  const pages: KeyPage[] = [];
  let after: string | null = null;
  while (pages.length < maxPages) {
    const page = await paging.page(harness, first, after);
    pages.push(page);
    if (!page.hasNextPage) return pages;
    after = page.endCursor;
  }
  throw new Error(`still more pages after ${maxPages} pages of ${first}`);
}

async function expectCursorPaging(
  harness: ReadSide,
  paging: CursorPaging,
  expected: readonly string[],
): Promise<void> {
  for (const first of PAGE_SIZES) {
    const pageCount = Math.max(1, Math.ceil(expected.length / first));
    const pages = await pageToTheEnd(harness, paging, first, pageCount + 1);
    expect(
      pages.flatMap((page) => page.keys),
      `pages of ${first}`,
    ).toEqual(expected);
    expect(pages, `pages of ${first}`).toHaveLength(pageCount);
    for (const page of pages.slice(0, -1)) expect(page.keys).toHaveLength(first);
  }
}

async function expectFirstOnlyListing(
  harness: ReadSide,
  paging: FirstOnlyPaging,
  expected: readonly string[],
): Promise<void> {
  // Beyond maxFirst rows the listing cannot reach the end: the seed must stay below it.
  expect(expected.length).toBeLessThanOrEqual(paging.maxFirst);
  for (const first of [...PAGE_SIZES, paging.maxFirst]) {
    expect(await paging.list(harness, first), `first ${first}`).toEqual(expected.slice(0, first));
  }
}

const harness = useReadSide(4);

describe.each(PAGED_QUERIES)('paged query: $name', (query) => {
  it('returns every row exactly once, in order, at every page size, across digit-count boundaries', async () => {
    const expected = await query.seed(harness);
    expect(new Set(expected).size).toBe(expected.length);
    if (query.paging.kind === 'cursor') {
      await expectCursorPaging(harness, query.paging, expected);
    } else {
      await expectFirstOnlyListing(harness, query.paging, expected);
    }
  });
});
