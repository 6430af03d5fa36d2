import { useId, useState } from 'react';
import { Empty, ErrorMessage, Loading } from '../components/states';
import { Time } from '../components/values';
import {
  COMPENSATE_SAGA,
  FAIL_SAGA,
  PARKED_SAGAS_QUERY,
  type ParkedSagaRow,
  RETRY_SAGA,
} from '../graphql/operations.operations';
import { useAdminMutation } from '../graphql/use-admin-mutation';
import { useAdminQuery } from '../graphql/use-admin-query';
import { Link } from '../router';
import { ConfirmButton } from './confirm-button';

function SagaActions(props: { row: ParkedSagaRow; onDone(): void }) {
  const { orderId } = props.row;
  const retry = useAdminMutation(RETRY_SAGA);
  const compensate = useAdminMutation(COMPENSATE_SAGA);
  const fail = useAdminMutation(FAIL_SAGA);
  const [reason, setReason] = useState('Failed by an operator');
  const reasonId = useId();
  const error = retry.error ?? compensate.error ?? fail.error;
  const then = (data: unknown) => data !== undefined && props.onDone();
  return (
    <div className="actions">
      <ConfirmButton
        label="Retry"
        question={`Run the saga of order ${orderId} again from its step?`}
        onConfirm={() => void retry.run({ orderId }).then(then)}
      />
      <ConfirmButton
        label="Compensate"
        question={`Unwind order ${orderId}: cancel at the market, settle fills, release, refund the fee?`}
        onConfirm={() => void compensate.run({ orderId }).then(then)}
      />
      <ConfirmButton
        label="Fail"
        question={`End order ${orderId} as FAILED without compensating?`}
        onConfirm={() => void fail.run({ orderId, reason }).then(then)}
        extra={
          <p>
            <label htmlFor={reasonId}>Reason</label>{' '}
            <input
              id={reasonId}
              value={reason}
              maxLength={200}
              onChange={(e) => setReason(e.target.value)}
            />
          </p>
        }
      />
      {error ? <ErrorMessage error={error} /> : null}
    </div>
  );
}

/** Sagas that kept failing and wait for an operator. */
export function ParkedSagasSection() {
  const { data, fetching, error, refetch } = useAdminQuery(PARKED_SAGAS_QUERY, {});
  const rows = data?.parkedSagas;
  return (
    <section aria-labelledby="sagas-title">
      <h2 id="sagas-title">Parked sagas</h2>
      {error ? <ErrorMessage error={error} /> : null}
      {rows === undefined ? (
        fetching && <Loading what="the parked sagas" />
      ) : rows.length === 0 ? (
        <Empty>No saga is parked: every order is moving on its own.</Empty>
      ) : (
        <div className="table-scroll">
          <table>
            <thead>
              <tr>
                <th scope="col">Order</th>
                <th scope="col">Step</th>
                <th scope="col">Failures</th>
                <th scope="col">Last error</th>
                <th scope="col">Parked</th>
                <th scope="col">Actions</th>
              </tr>
            </thead>
            <tbody>
              {rows.map((row) => (
                <tr key={row.orderId}>
                  <th scope="row">
                    <Link to={`/orders/${encodeURIComponent(row.orderId)}`}>{row.orderId}</Link>
                  </th>
                  <td>{row.action}</td>
                  <td className="num">{row.failures}</td>
                  <td>{row.error}</td>
                  <td>
                    <Time iso={row.parkedAt} />
                  </td>
                  <td>
                    <SagaActions row={row} onDone={refetch} />
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
