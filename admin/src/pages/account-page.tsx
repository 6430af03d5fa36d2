import { useState } from 'react';
import { HoldingsTable } from '../components/holdings-table';
import { Empty, ErrorMessage, Loading } from '../components/states';
import { Coverage, Money, Time } from '../components/values';
import {
  ACCOUNT_QUERY,
  type AccountData,
  type AccountFields,
  STATEMENT_LINES,
  type TravelPoint,
} from '../graphql/accounts.operations';
import { useAdminQuery } from '../graphql/use-admin-query';
import { Link } from '../router';
import { TimeTravel } from './time-travel';

function Figures(props: { account: AccountFields }) {
  const { account } = props;
  return (
    <dl className="facts">
      {(
        [
          ['Owner', account.customerId],
          ['Status', account.status.toLowerCase()],
          ['Balance', <Money amount={account.balance} currency={account.currency} />],
          ['Reserved', <Money amount={account.reserved} currency={account.currency} />],
          ['Available', <Money amount={account.available} currency={account.currency} />],
          ['Opened', <Time iso={account.openedAt} />],
        ] as const
      ).map(([term, value]) => (
        <div key={term}>
          <dt>{term}</dt>
          <dd>{value}</dd>
        </div>
      ))}
    </dl>
  );
}

function Statement(props: { data: AccountData; onTravel(point: TravelPoint): void }) {
  const { nodes, pageInfo } = props.data.accountStatement;
  if (nodes.length === 0) return <Empty>No cash has moved yet.</Empty>;
  return (
    <div className="table-scroll">
      <table>
        <caption>
          Statement, oldest first
          {pageInfo.hasNextPage ? ` (the first ${STATEMENT_LINES} lines)` : ''}
        </caption>
        <thead>
          <tr>
            <th scope="col">Time</th>
            <th scope="col">Movement</th>
            <th scope="col">Description</th>
            <th scope="col">Amount</th>
            <th scope="col">Balance after</th>
            <th scope="col">Travel</th>
          </tr>
        </thead>
        <tbody>
          {nodes.map((line) => (
            <tr key={line.position}>
              <td>
                <Time iso={line.occurredAt} />
              </td>
              <td>{line.entryType.replace(/_/g, ' ').toLowerCase()}</td>
              <td>{line.description}</td>
              <td>
                <Money amount={line.amount} currency={line.currency} />
              </td>
              <td>
                <Money amount={line.balanceAfter} currency={line.currency} />
              </td>
              <td>
                <button type="button" onClick={() => props.onTravel({ position: line.position })}>
                  See the account then
                </button>
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

/** One account: cash, holdings, statement with running balance, and time travel. */
export function AccountPage(props: { id: string }) {
  const { data, fetching, error } = useAdminQuery(ACCOUNT_QUERY, { id: props.id });
  const [point, setPoint] = useState<TravelPoint | null>(null);
  return (
    <>
      <p>
        <Link to="/accounts">← Accounts</Link> ·{' '}
        <Link to={`/orders?account=${encodeURIComponent(props.id)}`}>Its orders</Link>
      </p>
      <h1>Account {data?.account?.name ?? props.id}</h1>
      <p className="muted">{props.id}</p>
      {error ? <ErrorMessage error={error} /> : null}
      {data === undefined && fetching ? <Loading what="the account" /> : null}
      {data && data.account === null ? <Empty>There is no account with this id.</Empty> : null}
      {data?.account ? (
        <>
          <Figures account={data.account} />
          <p>
            <Coverage {...data.accountStatement} />
          </p>
          <TimeTravel accountId={props.id} point={point} onPoint={setPoint} />
          <h2>Holdings</h2>
          <HoldingsTable holdings={data.holdings} caption="Holdings now" />
          <h2>Statement</h2>
          <Statement
            data={data}
            onTravel={(p) => {
              setPoint(p);
              window.scrollTo({ top: 0 });
            }}
          />
        </>
      ) : null}
    </>
  );
}
