import { useId } from 'react';
import { lastDays } from '../format/time';

export interface DateRange {
  readonly from: string;
  readonly to: string;
}

const PRESETS = [7, 30, 90] as const;

/** The range every chart of the dashboard reads: two UTC days, both included. */
export function DateRangePicker(props: { value: DateRange; onChange(range: DateRange): void }) {
  const id = useId();
  const { value, onChange } = props;
  return (
    <fieldset className="date-range">
      <legend>Date range (UTC days)</legend>
      <label htmlFor={`${id}-from`}>From</label>
      <input
        id={`${id}-from`}
        type="date"
        value={value.from}
        max={value.to}
        onChange={(e) => e.target.value && onChange({ ...value, from: e.target.value })}
      />
      <label htmlFor={`${id}-to`}>To</label>
      <input
        id={`${id}-to`}
        type="date"
        value={value.to}
        min={value.from}
        onChange={(e) => e.target.value && onChange({ ...value, to: e.target.value })}
      />
      {PRESETS.map((days) => (
        <button key={days} type="button" onClick={() => onChange(lastDays(days))}>
          Last {days} days
        </button>
      ))}
    </fieldset>
  );
}
