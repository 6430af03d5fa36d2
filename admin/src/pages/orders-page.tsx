import { type FormEvent, useState } from 'react';
import { Pager } from '../components/pager';
import { Empty, ErrorMessage, Loading } from '../components/states';
import { StatusBadge } from '../components/status-badge';
import { Coverage, Money, Quantity, Time } from '../components/values';
import {
  SEARCH_ORDERS_QUERY,
  type SearchData,
  type SearchFilter,
} from '../graphql/orders.operations';
import { useAdminQuery } from '../graphql/use-admin-query';
import { Link, useLocation } from '../router';
import { FacetFilter } from './facet-filter';

const PAGE_SIZE = 25;

function Results(props: { result: SearchData['searchOrders'] }) {
  const { nodes } = props.result;
  if (nodes.length === 0) return <Empty>No order matches. Try fewer words or filters.</Empty>;
  return (
    <div className="table-scroll">
      <table>
        <caption className="visually-hidden">Orders found</caption>
        <thead>
          <tr>
            <th scope="col">Order</th>
            <th scope="col">Placed</th>
            <th scope="col">Account</th>
            <th scope="col">Side</th>
            <th scope="col">Instrument</th>
            <th scope="col">Quantity</th>
            <th scope="col">Filled</th>
            <th scope="col">Status</th>
            <th scope="col">Fee</th>
          </tr>
        </thead>
        <tbody>
          {nodes.map((order) => (
            <tr key={order.id}>
              <th scope="row">
                <Link to={`/orders/${encodeURIComponent(order.id)}`}>{order.id}</Link>
              </th>
              <td>
                <Time iso={order.placedAt} />
              </td>
              <td>{order.accountId}</td>
              <td>
                {order.side} {order.type}
              </td>
              <td>{order.instrument}</td>
              <td>
                <Quantity value={order.quantity} />
              </td>
              <td>
                <Quantity value={order.filledQuantity} />
              </td>
              <td>
                <StatusBadge status={order.status} />
              </td>
              <td>
                <Money amount={order.fee} currency={order.currency} />
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

function Facets(props: {
  result: SearchData['searchOrders'] | undefined;
  filter: SearchFilter;
  onChange(filter: SearchFilter): void;
}) {
  const facets = props.result?.facets;
  if (facets === undefined) return null;
  const set = (key: keyof SearchFilter) => (chosen: string[]) =>
    props.onChange({ ...props.filter, [key]: chosen.length > 0 ? chosen : undefined });
  return (
    <aside className="facets" aria-label="Filters">
      <FacetFilter
        title="Account"
        counts={facets.account}
        chosen={props.filter.accountIds ?? []}
        onChange={set('accountIds')}
      />
      <FacetFilter
        title="Status"
        counts={facets.status}
        chosen={props.filter.statuses ?? []}
        onChange={set('statuses')}
      />
      <FacetFilter
        title="Side"
        counts={facets.side}
        chosen={props.filter.sides ?? []}
        onChange={set('sides')}
      />
      <FacetFilter
        title="Instrument"
        counts={facets.instrument}
        chosen={props.filter.instruments ?? []}
        onChange={set('instruments')}
      />
    </aside>
  );
}

/** Search orders by words and facets, newest first, a keyset page at a time. */
export function OrdersPage() {
  const [draft, setDraft] = useState('');
  const [text, setText] = useState('');
  const account = useLocation().query.get('account');
  const [filter, setFilter] = useState<SearchFilter>(account ? { accountIds: [account] } : {});
  // The cursors of the pages before this one: Previous pops, Next pushes.
  const [cursors, setCursors] = useState<(string | null)[]>([null]);
  const after = cursors[cursors.length - 1] ?? null;
  const variables = { text: text === '' ? null : text, filter, first: PAGE_SIZE, after };
  const { data, fetching, error } = useAdminQuery(SEARCH_ORDERS_QUERY, variables);
  const result = data?.searchOrders;

  const search = (event: FormEvent) => {
    event.preventDefault();
    setText(draft.trim());
    setCursors([null]);
  };
  const changeFilter = (next: SearchFilter) => {
    setFilter(next);
    setCursors([null]);
  };
  return (
    <>
      <h1>Orders</h1>
      <form role="search" onSubmit={search} className="search">
        <label htmlFor="order-search">Search orders</label>
        <input
          id="order-search"
          type="search"
          value={draft}
          maxLength={200}
          placeholder="order, account or customer id, instrument, status, reason"
          onChange={(e) => setDraft(e.target.value)}
        />
        <button type="submit">Search</button>
      </form>
      {error ? <ErrorMessage error={error} /> : null}
      <div className="with-facets">
        <Facets result={result} filter={filter} onChange={changeFilter} />
        <section aria-label="Results" aria-busy={fetching}>
          {result === undefined && fetching ? <Loading what="orders" /> : null}
          {result ? (
            <>
              <p>
                {result.total.toLocaleString()} orders · <Coverage {...result} />
              </p>
              <Results result={result} />
              <Pager
                cursors={cursors}
                onChange={setCursors}
                endCursor={result.pageInfo.endCursor}
                hasNextPage={result.pageInfo.hasNextPage}
              />
            </>
          ) : null}
        </section>
      </div>
    </>
  );
}
