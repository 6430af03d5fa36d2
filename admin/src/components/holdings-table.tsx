import { type HoldingFields } from '../graphql/accounts.operations';
import { Empty } from './states';
import { Money, Quantity } from './values';

export function HoldingsTable(props: { holdings: readonly HoldingFields[]; caption: string }) {
  const held = props.holdings.filter((h) => h.quantity !== '0' || h.reserved !== '0');
  if (held.length === 0) return <Empty>No shares held.</Empty>;
  return (
    <div className="table-scroll">
      <table>
        <caption>{props.caption}</caption>
        <thead>
          <tr>
            <th scope="col">Instrument</th>
            <th scope="col">Shares</th>
            <th scope="col">Reserved</th>
            <th scope="col">Available</th>
            <th scope="col">Average cost</th>
          </tr>
        </thead>
        <tbody>
          {held.map((h) => (
            <tr key={h.instrument}>
              <th scope="row">{h.instrument}</th>
              <td>
                <Quantity value={h.quantity} />
              </td>
              <td>
                <Quantity value={h.reserved} />
              </td>
              <td>
                <Quantity value={h.available} />
              </td>
              <td>
                <Money amount={h.averageCost} currency={h.currency} />
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
