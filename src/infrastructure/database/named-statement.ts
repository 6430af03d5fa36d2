/**
 * A statement PostgreSQL prepares once per connection under its name and then only binds
 * and runs: for the statements on every command's and every consistent read's path, where
 * parsing and planning each one anew cost more than running it. PostgreSQL keeps a generic
 * plan only when it costs no more than the custom ones, so a statement whose plan depends
 * on its parameters (a position, a page size) is still planned for them. A name keeps its
 * text for the life of the process: pg refuses a name reused with another text.
 */
export interface NamedStatement {
  readonly name: string;
  readonly text: string;
}

/** pg's query config for a statement: named ones are prepared, plain text is not. */
export function queryConfig(
  statement: string | NamedStatement,
  values: unknown[] | undefined,
): { name?: string; text: string; values?: unknown[] } {
  return typeof statement === 'string' ? { text: statement, values } : { ...statement, values };
}
