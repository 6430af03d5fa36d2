import { setTimeout as sleep } from 'node:timers/promises';
import { type SettledPositions } from '../../test-kit/ledger-invariants.js';
import { type CheckResult } from './soak-checks.js';
import { type SoakClient } from './soak-client.js';

/**
 * The views as the API serves them, once the projectors have caught up: none stopped,
 * nothing parked, and every account's balance and reserved cash equal to its stream
 * folded through the write side's decider.
 */

const CATCH_UP_TIMEOUT_MS = 120_000;
const CATCH_UP_POLL_MS = 1_000;

const PROJECTIONS = '{ projections { name status parked lagEvents lastError } }';
const ACCOUNT = 'query ($id: ID!) { account(id: $id) { balance reserved } }';

interface ProjectionRow {
  readonly name: string;
  readonly status: string;
  readonly parked: number;
  readonly lagEvents: number | null;
  readonly lastError: string | null;
}

async function caughtUpProjections(admin: SoakClient): Promise<ProjectionRow[]> {
  const deadline = Date.now() + CATCH_UP_TIMEOUT_MS;
  for (;;) {
    const { data } = await admin.request<{ data: { projections: ProjectionRow[] } }>(
      PROJECTIONS,
      {},
    );
    const rows = data.projections;
    const moving = rows.some((row) => row.status !== 'stopped' && (row.lagEvents ?? 0) > 0);
    if (!moving || Date.now() > deadline) return rows;
    await sleep(CATCH_UP_POLL_MS);
  }
}

/** A USD amount of the API ("1234.50") in minor units. */
function minorUnits(amount: string): bigint {
  const [whole, fraction = ''] = amount.split('.');
  return BigInt(whole!) * 100n + BigInt(fraction.padEnd(2, '0'));
}

async function accountMismatches(
  admin: SoakClient,
  positions: SettledPositions,
): Promise<string[]> {
  const mismatches: string[] = [];
  for (const [id, folded] of positions.accounts) {
    const { data } = await admin.request<{
      data: { account: { balance: string; reserved: string } | null };
    }>(ACCOUNT, { id });
    const view = data.account;
    const balance = view ? minorUnits(view.balance) : undefined;
    const reserved = view ? minorUnits(view.reserved) : undefined;
    if (balance !== folded.balanceMinor || reserved !== folded.reservedMinor) {
      mismatches.push(
        `${id}: view ${view?.balance}/${view?.reserved}, log ${folded.balanceMinor}/${folded.reservedMinor} minor`,
      );
    }
  }
  return mismatches;
}

export async function checkViews(
  admin: SoakClient,
  positions: SettledPositions | undefined,
): Promise<CheckResult[]> {
  const rows = await caughtUpProjections(admin);
  const troubled = rows.filter(
    (row) => row.status === 'stopped' || row.parked > 0 || (row.lagEvents ?? 0) > 0,
  );
  const results: CheckResult[] = [
    {
      check: 'projectors caught up, none stopped, nothing parked',
      ok: troubled.length === 0,
      detail:
        troubled.length === 0
          ? `${rows.length} projections`
          : troubled
              .map(
                (row) =>
                  `${row.name} ${row.status} parked ${row.parked} lag ${row.lagEvents} ${row.lastError ?? ''}`,
              )
              .join('; '),
    },
  ];
  if (positions === undefined) return results;
  const mismatches = await accountMismatches(admin, positions);
  results.push({
    check: 'accounts view equals the log folded',
    ok: mismatches.length === 0,
    detail:
      mismatches.length === 0
        ? `${positions.accounts.size} accounts`
        : mismatches.slice(0, 5).join('; '),
  });
  return results;
}
