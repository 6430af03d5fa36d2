/**
 * Read-your-writes lag: the app in this process (projections on; with `--app-process`, in
 * a process of its own, called over HTTP) takes deposit commands through its GraphQL API
 * at a fixed offered rate (open loop: a command is sent when its time comes, whether or
 * not earlier ones have answered), and for every command this measures
 *   - checkpoint lag: from the command's result to the moment the `accounts`
 *     projection's checkpoint is seen at or past the command's position;
 *   - read-your-writes latency: from the command's result to the answer of
 *     `account(id, consistency: { atLeast: position })`, as a client sees it.
 * `npm run bench:lag -- --help` for the knobs.
 *
 * How the checkpoint is watched: a connection of the bench's own LISTENs on
 * `ledger_checkpoints` (the projector NOTIFYs it in each batch's transaction, so the
 * notification arrives after the commit). A notification, and every new command result,
 * triggers one read of the checkpoint row (coalesced: one read in flight, one more
 * queued); a waiter is released by the first read that started after it registered and
 * shows the checkpoint at or past its position, at the time that read returned. The lag
 * is therefore an upper bound, by one small read (well under a millisecond on a quiet
 * server). A 50 ms fallback tick re-reads while anyone waits, in case a notification is lost.
 *
 * `--conditions` measures each run in three conditions, side by side: quiet; while a
 * blue/green rebuild of every view replays the log (loaded beforehand with
 * `--history-events` generated events), from its start to its swap (the phase lasts at
 * least `--seconds`, and until the rebuild ends); while another database on the server holds a
 * writing transaction open. Only a running append holds the store's readers back
 * (migration 006), so the goal is the same bound in all three.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';
import { performance } from 'node:perf_hooks';
import type pg from 'pg';
import { type Position, comparePositions } from '../../src/event-store/position.js';
import { seededRandom } from '../../src/shared/seeded-random.js';
import { VerificationError, log } from '../bench-session.js';
import {
  type LatencySummary,
  formatMs,
  runBench,
  settleDatabase,
  summarizeLatencies,
} from './harness.js';
import {
  ACCOUNT,
  type AccountData,
  DEPOSIT,
  LedgerApp,
  type LedgerClient,
  decimalAmount,
  positionOf,
} from './ledger-app.js';
import { renderTable, spread } from '../stats.js';
import { LedgerAppProcess } from './ledger-app-process.js';
import { ProjectorProcess } from './projector-process.js';
import { rotate } from '../bench-results.js';
import { migrate } from '../../src/infrastructure/database/migrator.js';
import { MIGRATIONS } from '../../src/infrastructure/database/migrations/index.js';
import { loadHistory, startSagasAfterLog } from '../../test-kit/history-loader.js';
import {
  HistoryGenerator,
  defaultHistoryOptions,
} from '../../test-kit/trading-history.generator.js';

const GOAL_P99_MS = 50;
/** The goal while a rebuild runs or another database holds a transaction open. */
const GOAL_DISTURBED_P99_MS = 100;
const PROJECTION = 'accounts';
/** Bound on any one wait, so a stuck projector ends the run instead of hanging it. */
const WAIT_TIMEOUT_MS = 30_000;

const OPTIONS = {
  rate: { kind: 'int', description: 'commands offered per second', full: 500, quick: 500 },
  seconds: { kind: 'int', description: 'measured seconds per run', full: 20, quick: 5 },
  'warmup-seconds': {
    kind: 'int',
    description: 'unmeasured seconds at the same rate before the runs',
    full: 5,
    quick: 2,
    min: 0,
  },
  accounts: {
    kind: 'int',
    description: 'accounts deposits are spread over',
    full: 1_000,
    quick: 1_000,
  },
  'max-in-flight': {
    kind: 'int',
    description: 'commands in flight before new ones are dropped (counted)',
    full: 2_000,
    quick: 2_000,
  },
  'read-every': {
    kind: 'int',
    description: 'follow every n-th command with the consistent read (1: every command)',
    full: 1,
    quick: 1,
  },
  seed: { kind: 'int', description: 'workload PRNG seed', full: 42, quick: 42 },
  'projector-process': {
    kind: 'flag',
    description:
      'run the projectors in a second app process (LEDGER_PROJECTIONS=off in the one under load)',
  },
  'app-process': {
    kind: 'flag',
    description:
      'run the app under load in a process of its own (node dist/src/main.js), called over HTTP, instead of in the bench process through inject',
  },
  conditions: {
    kind: 'flag',
    description:
      'measure each run quiet, during a blue/green rebuild of every view, and while another database holds a writing transaction open',
  },
  'rebuild-process': {
    kind: 'flag',
    description:
      'with --conditions: rebuild through the CLI in a process of its own at nice 10, not through the app',
  },
  'history-events': {
    kind: 'int',
    description:
      'with --conditions: generated events in the log before the app starts (what the rebuild replays)',
    full: 1_000_000,
    quick: 20_000,
    min: 0,
  },
} as const;

type Condition = 'quiet' | 'rebuild' | 'held';
const CONDITION_LABELS: Record<Condition, string> = {
  quiet: 'quiet',
  rebuild: 'blue/green rebuild of every view running',
  held: 'another database holds a writing transaction',
};
const REBUILD_ALL = 'mutation { rebuildAllProjections { projection swapped } }';

interface Waiter {
  readonly position: Position;
  readonly resolve: (seenAt: number | undefined) => void;
  readonly deadline: number;
}

/** Sees the `accounts` checkpoint move: LISTEN plus coalesced reads of the checkpoint row. */
class CheckpointWatcher {
  private waiters: Waiter[] = [];
  private reading = false;
  private again = false;
  private readonly timer: NodeJS.Timeout;
  reads = 0;
  notifications = 0;

  private constructor(
    private readonly pool: pg.Pool,
    private readonly listener: pg.PoolClient,
  ) {
    listener.on('notification', (message) => {
      if (message.payload !== PROJECTION) return;
      this.notifications += 1;
      this.poke();
    });
    this.timer = setInterval(() => {
      if (this.waiters.length > 0) this.poke();
    }, 50);
  }

  static async start(pool: pg.Pool): Promise<CheckpointWatcher> {
    const listener = await pool.connect();
    await listener.query('LISTEN ledger_checkpoints');
    return new CheckpointWatcher(pool, listener);
  }

  /** performance.now() when the checkpoint was seen at or past `position`; undefined after the timeout. */
  reached(position: Position): Promise<number | undefined> {
    return new Promise((resolve) => {
      this.waiters.push({ position, resolve, deadline: performance.now() + WAIT_TIMEOUT_MS });
      this.poke();
    });
  }

  private poke(): void {
    if (this.reading) {
      this.again = true;
      return;
    }
    void this.readLoop();
  }

  private async readLoop(): Promise<void> {
    this.reading = true;
    try {
      do {
        this.again = false;
        const checkpoint = await this.read();
        const now = performance.now();
        this.waiters = this.waiters.filter((waiter) => {
          if (checkpoint && comparePositions(waiter.position, checkpoint) <= 0) {
            waiter.resolve(now);
            return false;
          }
          if (now > waiter.deadline) {
            waiter.resolve(undefined);
            return false;
          }
          return true;
        });
      } while (this.again);
    } catch {
      // The next notification or tick reads again.
    } finally {
      this.reading = false;
    }
  }

  private async read(): Promise<Position | undefined> {
    this.reads += 1;
    const { rows } = await this.pool.query<{ commit_position: string; prepare_position: string }>(
      `SELECT commit_position::text AS commit_position, prepare_position::text AS prepare_position
       FROM ledger_projection_checkpoints WHERE projection = $1`,
      [PROJECTION],
    );
    const row = rows[0];
    return row && { commit: BigInt(row.commit_position), prepare: BigInt(row.prepare_position) };
  }

  async close(): Promise<void> {
    clearInterval(this.timer);
    for (const waiter of this.waiters) waiter.resolve(undefined);
    this.waiters = [];
    await this.listener.query('UNLISTEN *').catch(() => undefined);
    this.listener.release();
  }
}

interface CommandOutcome {
  /** When it was due, in seconds from the start of its phase. */
  readonly dueS: number;
  /** Sent this long after its scheduled time (the load generator falling behind). */
  readonly lateMs: number;
  /** From the scheduled time to the result: what the open-loop client waited. */
  readonly commandMs: number;
  /** From the result to the checkpoint seen at its position; undefined: not within the timeout. */
  readonly checkpointLagMs: number | undefined;
  /** From the result to the answer of the consistent read (undefined: not read, see --read-every). */
  readonly readMs?: number;
  readonly stale?: boolean;
}

interface RunStats {
  readonly run: number;
  readonly condition: Condition;
  /** What the disturbance did meanwhile (how long the rebuild took, say). */
  readonly note?: string;
  readonly offered: number;
  readonly sent: number;
  readonly dropped: number;
  readonly failed: number;
  readonly firstFailure?: string;
  readonly sendSeconds: number;
  readonly sentPerSecond: number;
  readonly late: LatencySummary;
  readonly command: LatencySummary;
  readonly checkpointLag: LatencySummary;
  readonly notReached: number;
  readonly consistentRead: LatencySummary;
  readonly stale: number;
  readonly checkpointReads: number;
  readonly notifications: number;
}

/** A phase that lasts while its disturbance does (a rebuild) stops offering after this. */
const MAX_PHASE_SECONDS = 900;

/**
 * Sends `rate` commands per second for `seconds` (and on while `ongoing` says so, up to
 * MAX_PHASE_SECONDS), each at its scheduled time (bursting to catch up when a timer fires
 * late), never more than `maxInFlight` at once: a command due while that many are in
 * flight is dropped and counted. Resolves once all are done.
 */
async function openLoop(
  rate: number,
  seconds: number,
  maxInFlight: number,
  fire: (index: number, dueAt: number) => Promise<void>,
  ongoing: () => boolean = () => false,
): Promise<{ offered: number; sent: number; dropped: number; sendSeconds: number }> {
  const interval = 1_000 / rate;
  const least = Math.round(rate * seconds);
  const most = Math.round(rate * Math.max(seconds, MAX_PHASE_SECONDS));
  const pending = new Set<Promise<void>>();
  let dropped = 0;
  let offered = 0;
  const started = performance.now();
  for (let index = 0; index < most && (index < least || ongoing()); index++, offered++) {
    const dueAt = started + index * interval;
    const wait = dueAt - performance.now();
    if (wait >= 1) await sleep(wait);
    if (pending.size >= maxInFlight) {
      dropped += 1;
      continue;
    }
    const call: Promise<void> = fire(index, dueAt).finally(() => pending.delete(call));
    pending.add(call);
  }
  const sendSeconds = (performance.now() - started) / 1_000;
  await Promise.all([...pending]);
  return { offered, sent: offered - dropped, dropped, sendSeconds };
}

runBench({
  name: 'read-your-writes-lag',
  title: 'Read-your-writes lag bench (read side)',
  script: 'dist/bench/read-side/read-your-writes-lag.bench.js',
  summary:
    'The app in-process (or in its own process), deposits through GraphQL at a fixed offered rate (open loop); per command,\n' +
    "the time from its result until the accounts projection's checkpoint reaches its position, and\n" +
    'the latency of account(id, consistency: {atLeast: position}).',
  options: OPTIONS,
  describe: (o) =>
    `${o.rate} deposits/s offered for ${o.seconds} s per run, ${o.runs} run(s) after ${o['warmup-seconds']} s of warm-up; ` +
    `${o.accounts} accounts; consistent read after ${o['read-every'] === 1 ? 'every command' : `every ${o['read-every']}th command`}`,
  async run(context) {
    const { options } = context;
    log('\nSetup (not timed)');
    const db = await context.database('lag');
    const separate = options['projector-process'];
    const observer = context.pool(db.url, 3);
    if (options.conditions) await loadLog(observer, options['history-events'], options.seed);
    const env: Record<string, string> = separate ? { LEDGER_PROJECTIONS: 'off' } : {};
    const app: LedgerClient = options['app-process']
      ? await LedgerAppProcess.start(db.url, env)
      : await LedgerApp.start(db.url, { env });
    context.defer(() => app.close());
    if (separate) {
      const projector = await ProjectorProcess.start(db.url);
      context.defer(() => projector.stop());
    }
    const watcher = await CheckpointWatcher.start(observer);
    context.defer(() => watcher.close());
    await caughtUp(observer, watcher);
    const ids = await app.openAccounts(options.accounts);
    log(`  app started on ${db.name}, ${ids.length} accounts opened and projected`);
    const disturbances = options.conditions
      ? new Disturbances(
          app,
          context.pool((await context.database('lag_other')).url, 1),
          options['rebuild-process'] ? db.url : undefined,
        )
      : undefined;

    const random = seededRandom(options.seed);
    /** Minor units deposited per account by successful commands: what the view must show. */
    const expected = new Map<string, number>(ids.map((id) => [id, 0]));
    let lastPosition = '0.0';

    const phase = async (
      run: number,
      seconds: number,
      ongoing?: () => boolean,
    ): Promise<{
      stats: Omit<RunStats, 'run' | 'condition' | 'note'>;
      outcomes: CommandOutcome[];
    }> => {
      const outcomes: CommandOutcome[] = [];
      let failed = 0;
      let firstFailure: string | undefined;
      const readsBefore = watcher.reads;
      const notificationsBefore = watcher.notifications;
      const phaseStarted = performance.now();
      const loop = await openLoop(
        options.rate,
        seconds,
        options['max-in-flight'],
        async (index, dueAt) => {
          // Drawn as each command is sent, in order: the same seed, the same commands.
          const accountId = ids[Math.floor(random() * ids.length)]!;
          const amountMinor = 1 + Math.floor(random() * 10_000);
          const sentAt = performance.now();
          let position: string;
          try {
            position = (
              await app.command(DEPOSIT, {
                accountId,
                amount: decimalAmount(amountMinor),
                reference: `lag-r${run}-${index}`,
              })
            ).position;
          } catch (error) {
            failed += 1;
            firstFailure ??= error instanceof Error ? error.message : String(error);
            return;
          }
          const resultAt = performance.now();
          expected.set(accountId, expected.get(accountId)! + amountMinor);
          if (comparePositions(positionOf(position), positionOf(lastPosition)) > 0)
            lastPosition = position;
          const [seenAt, read] = await Promise.all([
            watcher.reached(positionOf(position)),
            index % options['read-every'] !== 0
              ? undefined
              : app
                  .gql<{ account: AccountData | null }>(ACCOUNT, {
                    id: accountId,
                    consistency: { atLeast: position, timeoutMs: WAIT_TIMEOUT_MS },
                  })
                  .then((response) => ({
                    at: performance.now(),
                    stale:
                      response.extensions?.consistency?.stale !== false || !response.data?.account,
                  })),
          ]);
          outcomes.push({
            dueS: (dueAt - phaseStarted) / 1_000,
            lateMs: sentAt - dueAt,
            commandMs: resultAt - dueAt,
            checkpointLagMs: seenAt === undefined ? undefined : Math.max(0, seenAt - resultAt),
            ...(read ? { readMs: read.at - resultAt, stale: read.stale } : {}),
          });
        },
        ongoing,
      );
      const lags = outcomes.flatMap((o) =>
        o.checkpointLagMs === undefined ? [] : [o.checkpointLagMs],
      );
      return {
        outcomes,
        stats: {
          offered: loop.offered,
          sent: loop.sent,
          dropped: loop.dropped,
          failed,
          ...(firstFailure === undefined ? {} : { firstFailure }),
          sendSeconds: loop.sendSeconds,
          sentPerSecond: loop.sent / loop.sendSeconds,
          late: summarizeLatencies(outcomes.map((o) => o.lateMs)),
          command: summarizeLatencies(outcomes.map((o) => o.commandMs)),
          checkpointLag: summarizeLatencies(lags),
          notReached: outcomes.length - lags.length,
          consistentRead: summarizeLatencies(
            outcomes.flatMap((o) => (o.readMs === undefined ? [] : [o.readMs])),
          ),
          stale: outcomes.filter((o) => o.stale === true).length,
          checkpointReads: watcher.reads - readsBefore,
          notifications: watcher.notifications - notificationsBefore,
        },
      };
    };

    if (options['warmup-seconds'] > 0) {
      const warmUp = await phase(0, options['warmup-seconds']);
      log(
        `  warm-up: ${warmUp.stats.sent} deposits in ${options['warmup-seconds']} s` +
          (warmUp.stats.failed > 0
            ? `, ${warmUp.stats.failed} failed (${warmUp.stats.firstFailure})`
            : ''),
      );
    }

    const runs: RunStats[] = [];
    const pooled = new Map<Condition, CommandOutcome[]>();
    const conditions: readonly Condition[] = options.conditions
      ? ['quiet', 'rebuild', 'held']
      : ['quiet'];
    for (let run = 1; run <= options.runs; run++) {
      for (const condition of rotate(conditions, run - 1)) {
        // A failed command (e.g. conflict retries exhausted on a hot account) is the app's
        // answer under this load: counted and shown, not a broken run. The balances below
        // still prove that no successful deposit went missing.
        // The previous phase's aftermath (a swap's fresh tables for autovacuum, dirty
        // buffers for the checkpointer) is cleared first, untimed: each phase measures its
        // own condition. The aftermath is real, and BENCHMARKS.md says what it costs.
        if (options.conditions) await settleDatabase(observer);
        const disturbance = await disturbances?.start(condition);
        const { stats, outcomes } = await phase(run, options.seconds, disturbance?.ongoing);
        const note = await disturbance?.end();
        runs.push({ run, condition, ...(note === undefined ? {} : { note }), ...stats });
        pooled.set(condition, [...(pooled.get(condition) ?? []), ...outcomes]);
        logRun(runs.at(-1)!);
        if (options.conditions) log(`    ${timeline(outcomes)}`);
      }
    }

    // Every successful deposit must be in the view once it has applied the last one.
    await app.readAccount(ids[0]!, lastPosition, WAIT_TIMEOUT_MS);
    const { rows } = await observer.query<{ account_id: string; balance: string }>(
      'SELECT account_id, balance_minor::text AS balance FROM view_accounts WHERE account_id = ANY($1)',
      [ids],
    );
    const wrong = rows.filter(
      (row) => BigInt(row.balance) !== BigInt(expected.get(row.account_id)!),
    );
    if (rows.length !== ids.length || wrong.length > 0) {
      throw new VerificationError(
        `view_accounts disagrees with the deposits made: ${ids.length - rows.length} accounts missing, ` +
          `${wrong.length} with a wrong balance`,
      );
    }
    log('  verified: every deposit is in view_accounts');

    const summaries = conditions.map((condition) =>
      summarizeCondition(
        condition,
        runs.filter((r) => r.condition === condition),
        pooled.get(condition) ?? [],
        options.rate,
      ),
    );
    const transport = options['app-process']
      ? 'HTTP to the app in its own process'
      : 'app.inject (the app in the bench process)';
    return {
      method: {
        checkpoint:
          'LISTEN ledger_checkpoints + coalesced reads of the checkpoint row on each notification and each new result; released by the first read started after registration (an upper bound by one read); 50 ms fallback tick',
        read: `account(id, consistency: {atLeast: position, timeoutMs: 30000}) through ${transport} after every ${options['read-every'] === 1 ? '' : `${options['read-every']}th `}command, timed from the command result`,
        commands: `depositFunds through ${transport} (GraphQL), open loop at the offered rate`,
      },
      summary: {
        goalP99Ms: { quiet: GOAL_P99_MS, disturbed: GOAL_DISTURBED_P99_MS },
        conditions: Object.fromEntries(summaries.map((summary) => [summary.condition, summary])),
      },
      runs,
    };
  },
});

/** Logs one run's line as it ends. */
/** Seconds per step of a phase's timeline. */
const TIMELINE_STEP_S = 10;

/** The checkpoint lag's p99 over each TIMELINE_STEP_S of the phase, by when commands were due. */
function timeline(outcomes: readonly CommandOutcome[]): string {
  const steps: number[][] = [];
  for (const { dueS, checkpointLagMs } of outcomes) {
    const step = Math.floor(dueS / TIMELINE_STEP_S);
    (steps[step] ??= []).push(checkpointLagMs ?? WAIT_TIMEOUT_MS);
  }
  const p99s = Array.from(steps, (lags = []) =>
    lags.length === 0 ? '-' : formatMs(summarizeLatencies(lags).p99),
  );
  return `checkpoint lag p99 per ${TIMELINE_STEP_S} s: ${p99s.join(', ')}`;
}

function logRun(stats: RunStats): void {
  log(
    `  run ${stats.run} ${stats.condition.padEnd(7)}: ${stats.sent} sent (${stats.sentPerSecond.toFixed(0)}/s, ${stats.dropped} dropped, ` +
      `late p99 ${formatMs(stats.late.p99)}), command p50 ${formatMs(stats.command.p50)} p99 ${formatMs(stats.command.p99)}; ` +
      `checkpoint lag p50 ${formatMs(stats.checkpointLag.p50)} p99 ${formatMs(stats.checkpointLag.p99)} max ${formatMs(stats.checkpointLag.max)}` +
      `${stats.notReached > 0 ? ` (${stats.notReached} NOT reached in ${WAIT_TIMEOUT_MS} ms)` : ''}; ` +
      `consistent read p50 ${formatMs(stats.consistentRead.p50)} p99 ${formatMs(stats.consistentRead.p99)}` +
      `${stats.stale > 0 ? `, ${stats.stale} STALE` : ''}; ${stats.checkpointReads} checkpoint reads` +
      (stats.failed > 0 ? `; ${stats.failed} commands FAILED, first: ${stats.firstFailure}` : '') +
      (stats.note === undefined ? '' : `; ${stats.note}`),
  );
}

/** One condition's table (median of the runs' percentiles [all its runs pooled]) and goal line. */
function summarizeCondition(
  condition: Condition,
  runs: readonly RunStats[],
  outcomes: readonly CommandOutcome[],
  rate: number,
) {
  const med = (pick: (r: RunStats) => number): number => spread(runs.map(pick)).median;
  const pooledLag = summarizeLatencies(
    outcomes.flatMap((o) => (o.checkpointLagMs === undefined ? [] : [o.checkpointLagMs])),
  );
  const pooledRead = summarizeLatencies(
    outcomes.flatMap((o) => (o.readMs === undefined ? [] : [o.readMs])),
  );
  const row = (label: string, pick: (r: RunStats) => LatencySummary, all: LatencySummary) => [
    label,
    `${formatMs(med((r) => pick(r).p50))} [${formatMs(all.p50)}]`,
    `${formatMs(med((r) => pick(r).p90))} [${formatMs(all.p90)}]`,
    `${formatMs(med((r) => pick(r).p99))} [${formatMs(all.p99)}]`,
    `${formatMs(med((r) => pick(r).max))} [${formatMs(all.max)}]`,
  ];
  log(
    `\nResults, ${CONDITION_LABELS[condition]}: median over ${runs.length} run(s) of each run's percentile [its runs pooled]`,
  );
  log(
    renderTable(
      [`At ${rate}/s offered`, 'p50', 'p90', 'p99', 'max'],
      [
        row('command result -> accounts checkpoint', (r) => r.checkpointLag, pooledLag),
        row('command result -> account(atLeast) answer', (r) => r.consistentRead, pooledRead),
        row(
          'command, scheduled -> result',
          (r) => r.command,
          summarizeLatencies(outcomes.map((o) => o.commandMs)),
        ),
      ],
    ),
  );
  const goal = condition === 'quiet' ? GOAL_P99_MS : GOAL_DISTURBED_P99_MS;
  const stale = runs.reduce((sum, r) => sum + r.stale + r.notReached, 0);
  const failed = runs.reduce((sum, r) => sum + r.failed, 0);
  log(
    `Goal p99 < ${goal} ms: checkpoint lag ${formatMs(pooledLag.p99)} (${pooledLag.p99 < goal ? 'met' : 'NOT met'}), ` +
      `client-visible read ${formatMs(pooledRead.p99)} (${pooledRead.p99 < goal ? 'met' : 'NOT met'}); ` +
      `${stale} stale or unreached reads; sent ${med((r) => r.sentPerSecond).toFixed(0)}/s of ${rate}/s offered; ` +
      `${failed} commands failed`,
  );
  return {
    condition,
    goalP99Ms: goal,
    checkpointLag: {
      p50: spread(runs.map((r) => r.checkpointLag.p50)),
      p99: spread(runs.map((r) => r.checkpointLag.p99)),
      pooled: pooledLag,
    },
    consistentRead: {
      p50: spread(runs.map((r) => r.consistentRead.p50)),
      p99: spread(runs.map((r) => r.consistentRead.p99)),
      pooled: pooledRead,
    },
    sentPerSecond: spread(runs.map((r) => r.sentPerSecond)),
    staleOrUnreached: stale,
    failedCommands: failed,
    notes: runs.flatMap((r) => (r.note === undefined ? [] : [r.note])),
  };
}

/** Loads a generated history into the log before the app starts: what a rebuild replays. */
async function loadLog(pool: pg.Pool, events: number, seed: number): Promise<void> {
  await migrate(pool, MIGRATIONS);
  if (events === 0) return;
  const generator = new HistoryGenerator(seededRandom(seed), defaultHistoryOptions(events));
  const loaded = await loadHistory(pool, generator, events);
  await startSagasAfterLog(pool);
  log(
    `  log: ${loaded.events.toLocaleString('en-US')} events loaded in ${loaded.seconds.toFixed(1)} s; the order saga starts after them`,
  );
}

/** Waits until the accounts projection has applied the whole log (bounded: 20 waits of 30 s). */
async function caughtUp(pool: pg.Pool, watcher: CheckpointWatcher): Promise<void> {
  const { rows } = await pool.query<{ commit: string; prepare: string }>(
    'SELECT tx_id::text AS commit, seq::text AS prepare FROM ledger_events ORDER BY tx_id DESC, seq DESC LIMIT 1',
  );
  const head = rows[0];
  if (head === undefined) return;
  const started = performance.now();
  for (let attempt = 0; attempt < 20; attempt++) {
    const seen = await watcher.reached({
      commit: BigInt(head.commit),
      prepare: BigInt(head.prepare),
    });
    if (seen !== undefined) {
      log(
        `  projectors caught up with the loaded log in ${((performance.now() - started) / 1_000).toFixed(1)} s`,
      );
      return;
    }
  }
  throw new VerificationError('the projectors did not catch up with the loaded log in 10 minutes');
}

/**
 * What disturbs a measured phase: started before it, ended after it by `end`, which says
 * what happened meanwhile. A rebuild's phase lasts until the rebuild has ended (its
 * `ongoing`), so that its last steps, the comparison and the swap, are measured too.
 */
interface Disturbance {
  readonly ongoing: () => boolean;
  readonly end: () => Promise<string>;
}

/** Starts the disturbance of each condition (none for quiet). */
class Disturbances {
  constructor(
    private readonly app: LedgerClient,
    /** A pool on another database of the same server. */
    private readonly elsewhere: pg.Pool,
    /** Set: rebuild with the CLI in a process of its own, on this database. */
    private readonly cliDatabaseUrl: string | undefined,
  ) {}

  async start(condition: Condition): Promise<Disturbance | undefined> {
    if (condition === 'rebuild') return this.rebuild();
    if (condition === 'held') return this.holdTransaction();
    return undefined;
  }

  private rebuild(): Disturbance {
    if (this.cliDatabaseUrl !== undefined) return rebuildInOwnProcess(this.cliDatabaseUrl);
    const started = performance.now();
    let endedAt: number | undefined;
    const rebuilding = this.app
      .gql<{ rebuildAllProjections: { projection: string; swapped: boolean }[] }>(REBUILD_ALL, {})
      .finally(() => (endedAt = performance.now()));
    const phaseStarted = performance.now();
    const ongoing = () => endedAt === undefined;
    return {
      ongoing,
      end: async () => {
        const phaseEnded = performance.now();
        const response = await rebuilding;
        const reports = response.data?.rebuildAllProjections ?? [];
        if (response.errors?.length || reports.length === 0 || reports.some((r) => !r.swapped)) {
          throw new VerificationError(
            `the rebuild failed: ${JSON.stringify(response.errors ?? reports)}`,
          );
        }
        const seconds = (endedAt! - started) / 1_000;
        const overlap = (Math.min(endedAt!, phaseEnded) - phaseStarted) / 1_000;
        return `rebuild of ${reports.length} views took ${seconds.toFixed(1)} s, ${overlap.toFixed(1)} s of it during the phase`;
      },
    };
  }

  private async holdTransaction(): Promise<Disturbance> {
    const holder = await this.elsewhere.connect();
    await holder.query('BEGIN');
    await holder.query('CREATE TABLE IF NOT EXISTS held_open (n int)');
    await holder.query('INSERT INTO held_open VALUES (1)');
    const { rows } = await holder.query<{ xid: string }>(
      'SELECT pg_current_xact_id()::text AS xid',
    );
    const started = performance.now();
    return {
      ongoing: () => false,
      end: async () => {
        await holder.query('ROLLBACK');
        holder.release();
        const seconds = (performance.now() - started) / 1_000;
        return `transaction ${rows[0]!.xid} held open in another database for ${seconds.toFixed(1)} s`;
      },
    };
  }
}

/** The CLI's entry point, built: `dist/src/cli/ledger.cli.js`. */
const CLI = fileURLToPath(new URL('../../src/cli/ledger.cli.js', import.meta.url));

/** `ledger projections rebuild all` in a process of its own at a lower priority. */
function rebuildInOwnProcess(databaseUrl: string): Disturbance {
  const started = performance.now();
  const child = spawn(
    'nice',
    ['-n', '10', process.execPath, CLI, 'projections', 'rebuild', 'all'],
    {
      env: { ...process.env, DATABASE_URL: databaseUrl },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  let output = '';
  child.stdout.on('data', (chunk: Buffer) => (output = (output + chunk.toString()).slice(-2_000)));
  child.stderr.on('data', (chunk: Buffer) => (output = (output + chunk.toString()).slice(-2_000)));
  let exitedAt: number | undefined;
  const exited = (once(child, 'exit') as Promise<[number | null]>).finally(
    () => (exitedAt = performance.now()),
  );
  const phaseStarted = performance.now();
  return {
    ongoing: () => exitedAt === undefined,
    end: async () => {
      const phaseEnded = performance.now();
      const [code] = await exited;
      const endedAt = exitedAt!;
      if (code !== 0) throw new VerificationError(`the CLI rebuild exited with ${code}: ${output}`);
      const overlap = (Math.min(endedAt, phaseEnded) - phaseStarted) / 1_000;
      return `CLI rebuild (own process, nice 10) took ${((endedAt - started) / 1_000).toFixed(1)} s, ${overlap.toFixed(1)} s of it during the phase`;
    },
  };
}
