import { type FacetCount } from '../graphql/orders.operations';

/** One facet's values as checkboxes, each with its count over every match. */
export function FacetFilter(props: {
  title: string;
  counts: readonly FacetCount[];
  chosen: readonly string[];
  onChange(chosen: string[]): void;
}) {
  const { title, counts, chosen, onChange } = props;
  // Chosen values stay listed when a narrower search no longer counts them.
  const values = [...new Set([...chosen, ...counts.map((c) => c.value)])];
  if (values.length === 0) return null;
  const toggle = (value: string, on: boolean) =>
    onChange(on ? [...chosen, value] : chosen.filter((v) => v !== value));
  return (
    <fieldset className="facet">
      <legend>{title}</legend>
      {values.map((value) => {
        const count = counts.find((c) => c.value === value)?.count ?? 0;
        return (
          <label key={value}>
            <input
              type="checkbox"
              checked={chosen.includes(value)}
              onChange={(e) => toggle(value, e.target.checked)}
            />{' '}
            {value} <span className="muted">({count})</span>
          </label>
        );
      })}
    </fieldset>
  );
}
