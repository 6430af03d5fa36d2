import { randomUUID } from 'node:crypto';

export interface Deposit {
  readonly accountIndex: number;
  readonly amountMinor: number;
  readonly reference: string;
}

/**
 * Who sends a bench command: a fresh command id, which also starts its correlation and
 * causation. Ours and Emmett's commands carry the same ids, so both write as much JSON.
 */
export function benchCommandIds(): {
  readonly commandId: string;
  readonly correlationId: string;
  readonly causationId: string;
  readonly userId: string;
} {
  const commandId = randomUUID();
  return { commandId, correlationId: commandId, causationId: commandId, userId: 'bench' };
}

export function accountIds(count: number): string[] {
  return Array.from({ length: count }, () => randomUUID());
}

/** Drawn before the clock starts, so the timed loop does nothing but run commands. */
export function planDeposits(
  random: () => number,
  count: number,
  accounts: number,
  label: string,
): Deposit[] {
  return Array.from({ length: count }, (_, index) => ({
    accountIndex: Math.floor(random() * accounts),
    amountMinor: 1 + Math.floor(random() * 10_000),
    reference: `${label}-${index}`,
  }));
}

export interface AccountTotal {
  count: number;
  sumMinor: bigint;
}

/** What a system must hold after the deposits sent to it so far: per account, count and sum. */
export class DepositTally {
  private readonly totals = new Map<string, AccountTotal>();

  constructor(private readonly ids: readonly string[]) {}

  record(deposits: readonly Deposit[]): void {
    for (const deposit of deposits) {
      const id = this.ids[deposit.accountIndex]!;
      const total = this.totals.get(id) ?? { count: 0, sumMinor: 0n };
      total.count += 1;
      total.sumMinor += BigInt(deposit.amountMinor);
      this.totals.set(id, total);
    }
  }

  /** Differences against what the store holds, as readable lines; empty when it all matches. */
  compare(actual: ReadonlyMap<string, AccountTotal>, limit = 5): string[] {
    const problems: string[] = [];
    for (const id of new Set([...this.totals.keys(), ...actual.keys()])) {
      const want = this.totals.get(id) ?? { count: 0, sumMinor: 0n };
      const got = actual.get(id) ?? { count: 0, sumMinor: 0n };
      if (want.count !== got.count || want.sumMinor !== got.sumMinor) {
        problems.push(
          `account ${id}: expected ${want.count} deposits summing ${want.sumMinor}, ` +
            `store has ${got.count} summing ${got.sumMinor}`,
        );
      }
    }
    return problems.length > limit
      ? [...problems.slice(0, limit), `... and ${problems.length - limit} more accounts`]
      : problems;
  }

  get totalCount(): number {
    let count = 0;
    for (const total of this.totals.values()) count += total.count;
    return count;
  }
}
