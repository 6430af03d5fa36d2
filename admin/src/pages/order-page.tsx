import { Empty, ErrorMessage, Loading } from '../components/states';
import { StatusBadge } from '../components/status-badge';
import { Money, Quantity, Time } from '../components/values';
import { ORDER_QUERY, type AuditEntry, type OrderFields } from '../graphql/orders.operations';
import { useAdminQuery } from '../graphql/use-admin-query';
import { useOrderTrail } from '../graphql/use-order-trail';
import { Link } from '../router';
import { eventName } from './event-name';

function Facts(props: { order: OrderFields }) {
  const { order } = props;
  const rows: [string, React.ReactNode][] = [
    ['Status', <StatusBadge status={order.status} />],
    ['Reason', order.reason ?? '—'],
    [
      'Account',
      <Link to={`/accounts/${encodeURIComponent(order.accountId)}`}>{order.accountId}</Link>,
    ],
    ['Side and type', `${order.side} ${order.type}`],
    ['Instrument', order.instrument],
    ['Quantity', <Quantity value={order.quantity} />],
    ['Limit price', <Money amount={order.limitPrice} currency={order.currency} />],
    ['Filled', <Quantity value={order.filledQuantity} />],
    ['Average fill price', <Money amount={order.averagePrice} currency={order.currency} />],
    ['Fee', <Money amount={order.fee} currency={order.currency} />],
    ['Placed', <Time iso={order.placedAt} />],
    ['Last change', <Time iso={order.updatedAt} />],
  ];
  return (
    <dl className="facts">
      {rows.map(([term, value]) => (
        <div key={term}>
          <dt>{term}</dt>
          <dd>{value}</dd>
        </div>
      ))}
    </dl>
  );
}

function Events(props: { title: string; entries: readonly AuditEntry[]; empty: string }) {
  return (
    <section aria-label={props.title}>
      <h2>{props.title}</h2>
      {props.entries.length === 0 ? (
        <Empty>{props.empty}</Empty>
      ) : (
        <div className="table-scroll">
          <table>
            <thead>
              <tr>
                <th scope="col">#</th>
                <th scope="col">Event</th>
                <th scope="col">Time</th>
                <th scope="col">User</th>
                <th scope="col">Correlation id</th>
              </tr>
            </thead>
            <tbody>
              {props.entries.map((entry, index) => (
                <tr key={entry.position}>
                  <td className="num">{index + 1}</td>
                  <th scope="row" title={entry.eventType}>
                    {eventName(entry.eventType)}
                  </th>
                  <td>
                    <Time iso={entry.occurredAt} />
                  </td>
                  <td>
                    {entry.initiatorId ? `${entry.userId} for ${entry.initiatorId}` : entry.userId}
                  </td>
                  <td>
                    <code>{entry.correlationId}</code>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </section>
  );
}

function Trail(props: { order: OrderFields }) {
  const { order } = props;
  const trail = useOrderTrail(order.accountId, order.id);
  if (trail.error) return <ErrorMessage error={trail.error} />;
  if (trail.entries === undefined) return <Loading what="the order's events" />;
  const lifecycle = trail.entries.filter((e) => e.stream === `order-${order.id}`);
  const saga = trail.entries.filter((e) => e.stream === `order-saga-${order.id}`);
  return (
    <>
      <Events
        title="Lifecycle events"
        entries={lifecycle}
        empty="No events found for this order."
      />
      <Events
        title="Saga steps and compensations"
        entries={saga}
        empty="No saga step is recorded for this order yet."
      />
      {trail.cut ? (
        <p className="muted">Only the first part of the account's log was read.</p>
      ) : null}
    </>
  );
}

/** One order: its figures, its events in log order, and what its saga did. */
export function OrderPage(props: { id: string }) {
  const { data, fetching, error } = useAdminQuery(ORDER_QUERY, { id: props.id });
  return (
    <>
      <p>
        <Link to="/orders">← Orders</Link>
      </p>
      <h1>Order {props.id}</h1>
      {error ? <ErrorMessage error={error} /> : null}
      {data === undefined && fetching ? <Loading what="the order" /> : null}
      {data && data.order === null ? <Empty>There is no order with this id.</Empty> : null}
      {data?.order ? (
        <>
          <Facts order={data.order} />
          <Trail order={data.order} />
        </>
      ) : null}
    </>
  );
}
