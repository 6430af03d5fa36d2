import { type AccountTotal, type Deposit } from './workload.js';

/** Runs deposit commands end to end: read the account stream, decide, append one event. */
export interface CommandSystem {
  readonly label: string;
  /** Untimed: opens every account (and creates the schema first). */
  openAccounts(ids: readonly string[], concurrency: number): Promise<void>;
  deposit(accountId: string, deposit: Deposit): Promise<void>;
  /** Per account, the deposits the database holds: read with SQL, not through the store. */
  depositTotals(): Promise<Map<string, AccountTotal>>;
  /** Optimistic-concurrency conflicts retried so far. */
  readonly conflicts: number;
  close(): Promise<void>;
}

/** Writes one event (or row) without reading anything first. */
export interface AppendSystem {
  readonly label: string;
  append(streamIndex: number, deposit: Deposit): Promise<void>;
  /** Problems found in what the database holds after `expectedRows` appends in total. */
  verify(expectedRows: number): Promise<string[]>;
  /** Collisions retried so far (only Emmett has any: see EmmettSystem.append). */
  readonly conflicts: number;
  close(): Promise<void>;
}

/** How many bare-append streams to spread writes over: as many as there are accounts. */
export function bareStreamId(index: number): string {
  return `bench_bare-${index}`;
}

export function totalsFromRows(
  rows: readonly { stream_id: string; count: string; sum: string }[],
  streamPrefix: string,
): Map<string, AccountTotal> {
  return new Map(
    rows.map((row) => [
      row.stream_id.slice(streamPrefix.length),
      { count: Number(row.count), sumMinor: BigInt(row.sum) },
    ]),
  );
}

/** What a bare-append check found wrong: the event count, and streams with gaps or repeats. */
export function bareAppendProblems(
  found: { events: string; broken_streams: string },
  expectedRows: number,
  positionName: string,
): string[] {
  const problems: string[] = [];
  if (Number(found.events) !== expectedRows) {
    problems.push(`expected ${expectedRows} bare events, found ${found.events}`);
  }
  if (found.broken_streams !== '0') {
    problems.push(`${found.broken_streams} bare streams have gaps or duplicate ${positionName}`);
  }
  return problems;
}
