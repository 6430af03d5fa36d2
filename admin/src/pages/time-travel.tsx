import { useId } from 'react';
import { HoldingsTable } from '../components/holdings-table';
import { ErrorMessage, Loading } from '../components/states';
import { Money, Quantity, Time } from '../components/values';
import {
  ACCOUNT_AT_QUERY,
  type AccountChange,
  type TravelPoint,
} from '../graphql/accounts.operations';
import { useAdminQuery } from '../graphql/use-admin-query';
import { eventName } from './event-name';

/** Changes listed under the figures: the newest up to the point. */
const RECENT_CHANGES = 12;

function Changes(props: { changes: readonly AccountChange[]; currency: string }) {
  const recent = props.changes.slice(-RECENT_CHANGES).reverse();
  return (
    <div className="table-scroll">
      <table>
        <caption>Events that changed it, newest first</caption>
        <thead>
          <tr>
            <th scope="col">Event</th>
            <th scope="col">Time</th>
            <th scope="col">Cash after</th>
            <th scope="col">Shares after</th>
          </tr>
        </thead>
        <tbody>
          {recent.map((change) => (
            <tr key={change.position}>
              <th scope="row" title={change.eventType}>
                {eventName(change.eventType)}
              </th>
              <td>
                <Time iso={change.occurredAt} />
              </td>
              <td>
                <Money amount={change.balanceAfter} currency={props.currency} />
              </td>
              <td>
                {change.instrument && change.quantityAfter ? (
                  <>
                    {change.instrument} <Quantity value={change.quantityAfter} />
                  </>
                ) : (
                  '—'
                )}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

/** The account as of the chosen point: figures, holdings and the events that led there. */
function AsOf(props: { accountId: string; point: TravelPoint }) {
  const { data, fetching, error } = useAdminQuery(ACCOUNT_AT_QUERY, {
    id: props.accountId,
    at: props.point,
  });
  if (error) return <ErrorMessage error={error} />;
  if (data === undefined) return fetching ? <Loading what="the past" /> : null;
  const past = data.accountAt;
  const last = past.changes[past.changes.length - 1];
  return (
    <div className="as-of" aria-live="polite">
      <p>
        As of {last ? <Time iso={last.occurredAt} /> : 'before the account was opened'}
        {past.position ? <span className="muted"> (position {past.position})</span> : null}:
      </p>
      <dl className="facts" aria-label="Cash then">
        <div>
          <dt>Balance then</dt>
          <dd data-testid="balance-then">
            <Money amount={past.balance} currency={past.currency} />
          </dd>
        </div>
        <div>
          <dt>Reserved then</dt>
          <dd>
            <Money amount={past.reserved} currency={past.currency} />
          </dd>
        </div>
        <div>
          <dt>Available then</dt>
          <dd>
            <Money amount={past.available} currency={past.currency} />
          </dd>
        </div>
      </dl>
      <HoldingsTable holdings={past.holdings} caption="Holdings then" />
      <Changes changes={past.changes} currency={past.currency} />
    </div>
  );
}

/**
 * Time travel: a slider over the account's changes, or a date and time; the account as of
 * that point is folded on the server from the account's own streams (accountAt).
 */
export function TimeTravel(props: {
  accountId: string;
  point: TravelPoint | null;
  onPoint(point: TravelPoint | null): void;
}) {
  const id = useId();
  const { data, error } = useAdminQuery(ACCOUNT_AT_QUERY, { id: props.accountId, at: null });
  const changes = data?.accountAt.changes ?? [];
  const index = changes.findIndex((c) => c.position === props.point?.position);
  const shown = index === -1 ? changes.length - 1 : index;
  return (
    <section aria-labelledby={`${id}-title`} className="card">
      <h2 id={`${id}-title`}>Time travel</h2>
      {error ? <ErrorMessage error={error} /> : null}
      {changes.length > 0 ? (
        <div className="travel-controls">
          <label htmlFor={`${id}-slider`}>
            Event {shown + 1} of {changes.length}
          </label>
          <input
            id={`${id}-slider`}
            type="range"
            min={0}
            max={changes.length - 1}
            value={shown}
            onChange={(e) => props.onPoint({ position: changes[Number(e.target.value)]!.position })}
          />
          <label htmlFor={`${id}-time`}>Or as of a date and time (your zone)</label>
          <input
            id={`${id}-time`}
            type="datetime-local"
            step={1}
            onChange={(e) =>
              e.target.value && props.onPoint({ time: new Date(e.target.value).toISOString() })
            }
          />
        </div>
      ) : null}
      {props.point ? (
        <AsOf accountId={props.accountId} point={props.point} />
      ) : (
        <p className="muted">
          Move the slider, pick a time, or choose a statement line to see the account then.
        </p>
      )}
    </section>
  );
}
