export interface Column {
  readonly header: string;
  readonly align?: 'left' | 'right';
  /** Longer cells are cut and end in an ellipsis; 60 when not given. */
  readonly maxWidth?: number;
}

const DEFAULT_MAX_WIDTH = 60;
const GAP = '  ';

/**
 * One line of plain text: control characters (newlines in error messages, escape
 * sequences in stored data) would break the table or drive the terminal.
 */
export function cellText(value: string, maxWidth: number = DEFAULT_MAX_WIDTH): string {
  // eslint-disable-next-line no-control-regex
  const flat = value.replace(/\s*[\u0000-\u001f\u007f-\u009f]+\s*/g, ' ');
  const width = Math.max(maxWidth, 1);
  return flat.length <= width ? flat : `${flat.slice(0, width - 1)}…`;
}

/** A plain-text table: a header, a rule, a line per row, columns padded to their widest cell. */
export function formatTable(
  columns: readonly Column[],
  rows: readonly (readonly string[])[],
): string {
  const cells = rows.map((row) =>
    columns.map((column, i) => cellText(row[i] ?? '', column.maxWidth)),
  );
  const widths = columns.map((column, i) =>
    Math.max(column.header.length, ...cells.map((row) => row[i]!.length)),
  );
  const line = (row: readonly string[]): string =>
    row
      .map((cell, i) =>
        columns[i]!.align === 'right' ? cell.padStart(widths[i]!) : cell.padEnd(widths[i]!),
      )
      .join(GAP)
      .trimEnd();
  return [
    line(columns.map((column) => column.header)),
    line(widths.map((width) => '-'.repeat(width))),
    ...cells.map(line),
  ].join('\n');
}

/** 1234567 → "1,234,567". */
export function formatCount(value: number): string {
  if (!Number.isFinite(value)) return '-';
  const sign = value < 0 ? '-' : '';
  return (
    sign +
    Math.round(Math.abs(value))
      .toString()
      .replace(/\B(?=(\d{3})+(?!\d))/g, ',')
  );
}
