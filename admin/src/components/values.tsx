import { formatMoney, formatQuantity } from '../format/money';
import { showTime } from '../format/time';

export function Money(props: { amount: string | null | undefined; currency: string }) {
  if (props.amount === null || props.amount === undefined) return <span>—</span>;
  return <span className="num">{formatMoney(props.amount, props.currency)}</span>;
}

export function Quantity(props: { value: string }) {
  return <span className="num">{formatQuantity(props.value)}</span>;
}

/** An instant in the user's zone; UTC on hover. */
export function Time(props: { iso: string | null | undefined }) {
  if (props.iso === null || props.iso === undefined) return <span>—</span>;
  const shown = showTime(props.iso);
  return (
    <time dateTime={props.iso} title={shown.utc}>
      {shown.local}
    </time>
  );
}

/** What a figure reflects: the log position, and a visible marker when it is stale. */
export function Coverage(props: { position: string; stale: boolean }) {
  return (
    <span className={props.stale ? 'coverage stale' : 'coverage'}>
      {props.stale ? <strong className="badge stale-badge">Stale</strong> : null}
      <span title="The event-log position these figures reflect">
        as of position {props.position}
      </span>
    </span>
  );
}
