import { useMemo, useState } from 'react';
import { TimeChart } from '../components/chart';
import { type DateRange, DateRangePicker } from '../components/date-range';
import { Empty, ErrorMessage, Loading } from '../components/states';
import { Coverage, Money, Quantity } from '../components/values';
import { lastDays } from '../format/time';
import { DASHBOARD_QUERY, type DashboardData } from '../graphql/dashboard.operations';
import { useAdminQuery } from '../graphql/use-admin-query';
import { seriesBy, topInstruments, totalsByCurrency } from './dashboard-data';

const DEFAULT_DAYS = 30;
const TOP_INSTRUMENTS = 8;

function Totals(props: { data: DashboardData }) {
  const { custodyReport, openOrders, feesReport } = props.data;
  const held = custodyReport.rows.filter((row) => row.openAccounts + row.closedAccounts > 0);
  const accounts = custodyReport.rows.reduce((sum, row) => sum + row.openAccounts, 0);
  const fees = totalsByCurrency(feesReport.rows, (row) => row.net);
  return (
    <section aria-labelledby="totals-title" className="cards">
      <h2 id="totals-title" className="visually-hidden">
        Totals
      </h2>
      <article className="card">
        <h3>Open accounts</h3>
        <p className="figure">{accounts.toLocaleString()}</p>
        <Coverage {...custodyReport} />
      </article>
      <article className="card">
        <h3>Cash under custody</h3>
        {held.length === 0 ? <Empty>No accounts yet.</Empty> : null}
        <ul className="figures">
          {held.map((row) => (
            <li key={row.currency}>
              <Money amount={row.balance} currency={row.currency} />{' '}
              <span className="muted">
                (<Money amount={row.reserved} currency={row.currency} /> reserved)
              </span>
            </li>
          ))}
        </ul>
        <Coverage {...custodyReport} />
      </article>
      <article className="card">
        <h3>Open orders</h3>
        <p className="figure">{openOrders.total.toLocaleString()}</p>
        <Coverage {...openOrders} />
      </article>
      <article className="card">
        <h3>Net fees in range</h3>
        {fees.length === 0 ? <Empty>No fees in this range.</Empty> : null}
        <ul className="figures">
          {fees.map((row) => (
            <li key={row.currency}>
              <Money amount={row.total} currency={row.currency} />
            </li>
          ))}
        </ul>
        <Coverage {...feesReport} />
      </article>
    </section>
  );
}

function ChartCard(props: {
  title: string;
  coverage: { position: string; stale: boolean; partialFrom: string | null };
  days: readonly string[];
  series: ReturnType<typeof seriesBy>['series'];
  bars?: boolean;
}) {
  const { title, coverage, days, series } = props;
  return (
    <article className="card chart-card">
      <h3>{title}</h3>
      {series.length === 0 ? (
        <Empty>Nothing in this range.</Empty>
      ) : (
        <TimeChart days={days} series={series} bars={props.bars} label={`${title}, by day`} />
      )}
      <p className="muted">
        <Coverage {...coverage} />
        {coverage.partialFrom ? ` · figures from ${coverage.partialFrom} may still change` : ''}
      </p>
    </article>
  );
}

function TopInstruments(props: { data: DashboardData }) {
  const top = topInstruments(props.data.volumeReport.rows, TOP_INSTRUMENTS);
  return (
    <article className="card">
      <h3>Top instruments by fills</h3>
      {top.length === 0 ? (
        <Empty>No fills in this range.</Empty>
      ) : (
        <div className="table-scroll">
          <table>
            <thead>
              <tr>
                <th scope="col">Instrument</th>
                <th scope="col">Fills</th>
                <th scope="col">Shares</th>
                <th scope="col">Value traded</th>
              </tr>
            </thead>
            <tbody>
              {top.map((row) => (
                <tr key={row.instrument}>
                  <th scope="row">{row.instrument}</th>
                  <td className="num">{row.fills.toLocaleString()}</td>
                  <td>
                    <Quantity value={row.quantity} />
                  </td>
                  <td>
                    <Money amount={row.value} currency={row.currency} />
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      <Coverage {...props.data.volumeReport} />
    </article>
  );
}

const OUTCOMES = ['completed', 'rejected', 'failed', 'cancelled', 'expired'] as const;

/** The charts' series, made once per answer: a new array would redraw a chart. */
function chartSeries(data: DashboardData) {
  const { feesReport, volumeReport, orderOutcomesReport } = data;
  const outcomes = OUTCOMES.map((outcome) =>
    seriesBy(
      orderOutcomesReport.rows,
      () => outcome,
      (row) => String(row[outcome]),
    ),
  );
  return {
    fees: seriesBy(
      feesReport.rows,
      (row) => row.currency,
      (row) => row.net,
    ),
    traded: seriesBy(
      volumeReport.rows,
      (row) => row.currency,
      (row) => row.value,
    ),
    outcomes: { days: outcomes[0]!.days, series: outcomes.flatMap((o) => o.series) },
  };
}

function Charts(props: { data: DashboardData }) {
  const { feesReport, volumeReport, orderOutcomesReport } = props.data;
  const { fees, traded, outcomes } = useMemo(() => chartSeries(props.data), [props.data]);
  return (
    <section aria-label="Charts" className="charts">
      <ChartCard title="Net fees per currency" coverage={feesReport} {...fees} />
      <ChartCard title="Traded value per currency" coverage={volumeReport} {...traded} />
      <ChartCard title="Order outcomes" coverage={orderOutcomesReport} {...outcomes} bars />
      <TopInstruments data={props.data} />
    </section>
  );
}

export function DashboardPage() {
  const [range, setRange] = useState<DateRange>(() => lastDays(DEFAULT_DAYS));
  const { data, fetching, error } = useAdminQuery(DASHBOARD_QUERY, { ...range });
  return (
    <>
      <h1>Dashboard</h1>
      <DateRangePicker value={range} onChange={setRange} />
      {error ? <ErrorMessage error={error} /> : null}
      {data === undefined && fetching ? <Loading what="the reports" /> : null}
      {data ? (
        <>
          <Totals data={data} />
          <Charts data={data} />
        </>
      ) : null}
    </>
  );
}
