export interface Spread {
  readonly median: number;
  readonly min: number;
  readonly max: number;
}

export function spread(values: readonly number[]): Spread {
  if (values.length === 0) throw new Error('spread of no values');
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  const median =
    sorted.length % 2 === 1 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
  return { median, min: sorted[0]!, max: sorted[sorted.length - 1]! };
}

const integer = new Intl.NumberFormat('en-US', { maximumFractionDigits: 0 });

export function formatRate(value: number): string {
  return `${integer.format(value)}/s`;
}

export function formatSpread(value: Spread, format: (n: number) => string = formatRate): string {
  return `${format(value.median)} (${format(value.min)} – ${format(value.max)})`;
}

export function formatRatio(value: number): string {
  return `${value.toFixed(2)}x`;
}

/** A plain monospace table: first column left-aligned, the rest right-aligned. */
export function renderTable(
  header: readonly string[],
  rows: readonly (readonly string[])[],
): string {
  const widths = header.map((cell, column) =>
    Math.max(cell.length, ...rows.map((row) => (row[column] ?? '').length)),
  );
  const line = (cells: readonly string[]): string =>
    cells
      .map((cell, column) =>
        column === 0 ? cell.padEnd(widths[column]!) : cell.padStart(widths[column]!),
      )
      .join('  │  ');
  const rule = widths.map((width) => '─'.repeat(width)).join('──┼──');
  return [line(header), rule, ...rows.map(line)].join('\n');
}
