import { ErrorMessage, Loading } from '../components/states';
import { Money, Time } from '../components/values';
import {
  INSTRUMENTS_QUERY,
  type InstrumentRow,
  SET_HALTED,
} from '../graphql/operations.operations';
import { useAdminMutation } from '../graphql/use-admin-mutation';
import { useAdminQuery } from '../graphql/use-admin-query';
import { ConfirmButton } from './confirm-button';

function HaltAction(props: { row: InstrumentRow; onDone(): void }) {
  const setHalted = useAdminMutation(SET_HALTED);
  const { symbol, halted } = props.row;
  const toggle = () =>
    void setHalted.run({ symbol, halted: !halted }).then((d) => d && props.onDone());
  return (
    <>
      {halted ? (
        <button type="button" disabled={setHalted.running} onClick={toggle}>
          Resume {symbol}
        </button>
      ) : (
        <ConfirmButton
          label={`Halt ${symbol}`}
          question={`Stop trading ${symbol}? New orders for it fail at the market until it is resumed.`}
          onConfirm={toggle}
          disabled={setHalted.running}
        />
      )}
      {setHalted.error ? <ErrorMessage error={setHalted.error} /> : null}
    </>
  );
}

/** The market's instruments, their last price, and halting or resuming their trading. */
export function InstrumentsSection() {
  const { data, fetching, error, refetch } = useAdminQuery(INSTRUMENTS_QUERY, {});
  return (
    <section aria-labelledby="instruments-title">
      <h2 id="instruments-title">Instruments</h2>
      {error ? <ErrorMessage error={error} /> : null}
      {data === undefined && fetching ? <Loading what="the instruments" /> : null}
      <div className="table-scroll">
        <table>
          <thead>
            <tr>
              <th scope="col">Symbol</th>
              <th scope="col">Name</th>
              <th scope="col">Last price</th>
              <th scope="col">Priced</th>
              <th scope="col">Trading</th>
              <th scope="col">Action</th>
            </tr>
          </thead>
          <tbody>
            {(data?.instruments ?? []).map((row) => (
              <tr key={row.symbol}>
                <th scope="row">{row.symbol}</th>
                <td>{row.name}</td>
                <td>
                  <Money amount={row.price} currency={row.currency} />
                </td>
                <td>
                  <Time iso={row.priceAt} />
                </td>
                <td>
                  {row.halted ? <strong className="badge status-failed">halted</strong> : 'trading'}
                </td>
                <td>
                  <HaltAction row={row} onDone={refetch} />
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </section>
  );
}
