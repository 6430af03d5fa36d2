import { type FormEvent, useState } from 'react';
import { Pager } from '../components/pager';
import { Empty, ErrorMessage, Loading } from '../components/states';
import { Coverage, Money, Time } from '../components/values';
import { ACCOUNTS_QUERY } from '../graphql/accounts.operations';
import { useAdminQuery } from '../graphql/use-admin-query';
import { Link } from '../router';

/** Every account (or one customer's), a keyset page at a time. */
export function AccountsPage() {
  const [draft, setDraft] = useState('');
  const [customerId, setCustomerId] = useState<string | null>(null);
  const [cursors, setCursors] = useState<(string | null)[]>([null]);
  const after = cursors[cursors.length - 1] ?? null;
  const { data, fetching, error } = useAdminQuery(ACCOUNTS_QUERY, { customerId, after });
  const result = data?.accounts;
  const submit = (event: FormEvent) => {
    event.preventDefault();
    setCustomerId(draft.trim() === '' ? null : draft.trim());
    setCursors([null]);
  };
  return (
    <>
      <h1>Accounts</h1>
      <form role="search" onSubmit={submit} className="search">
        <label htmlFor="customer">Customer id</label>
        <input id="customer" value={draft} onChange={(e) => setDraft(e.target.value)} />
        <button type="submit">Show</button>
      </form>
      {error ? <ErrorMessage error={error} /> : null}
      {result === undefined && fetching ? <Loading what="accounts" /> : null}
      {result && result.nodes.length === 0 ? <Empty>No account.</Empty> : null}
      {result && result.nodes.length > 0 ? (
        <>
          <Coverage {...result} />
          <div className="table-scroll">
            <table>
              <thead>
                <tr>
                  <th scope="col">Account</th>
                  <th scope="col">Owner</th>
                  <th scope="col">Status</th>
                  <th scope="col">Balance</th>
                  <th scope="col">Available</th>
                  <th scope="col">Opened</th>
                </tr>
              </thead>
              <tbody>
                {result.nodes.map((account) => (
                  <tr key={account.id}>
                    <th scope="row">
                      <Link to={`/accounts/${encodeURIComponent(account.id)}`}>{account.name}</Link>
                    </th>
                    <td>{account.customerId}</td>
                    <td>{account.status.toLowerCase()}</td>
                    <td>
                      <Money amount={account.balance} currency={account.currency} />
                    </td>
                    <td>
                      <Money amount={account.available} currency={account.currency} />
                    </td>
                    <td>
                      <Time iso={account.openedAt} />
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
          <Pager
            cursors={cursors}
            onChange={setCursors}
            endCursor={result.pageInfo.endCursor}
            hasNextPage={result.pageInfo.hasNextPage}
          />
        </>
      ) : null}
    </>
  );
}
