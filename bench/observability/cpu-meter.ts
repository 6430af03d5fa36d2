import pg from 'pg';
import { processCpuSeconds } from '../process-cpu.js';
import { type DatabaseWork, snapshotDatabaseWork } from './database-work.js';

/**
 * CPU time spent by the processes that serve a run's requests: the app, the PostgreSQL
 * backends connected to the run's database, and the bench itself (load generator, collector
 * stub, scrapes). On a machine that other work shares, throughput drifts with the
 * neighbours, but CPU time per request does not: it tells what a request costs whatever
 * else runs, and on a machine the load saturates, throughput is the cores over it.
 */
export interface CpuUse {
  readonly appSeconds: number;
  readonly databaseSeconds: number;
  readonly benchSeconds: number;
  /** The database's cumulative counts before and after the run (database-work.ts). */
  readonly databaseWork: { readonly before: DatabaseWork; readonly after: DatabaseWork };
}

function benchCpuSeconds(): number {
  const { user, system } = process.cpuUsage();
  return (user + system) / 1e6;
}

/** The pids of the server processes serving `databaseUrl`'s database, but this client's. */
async function backendPids(client: pg.Client): Promise<number[]> {
  const { rows } = await client.query<{ pid: number }>(
    `SELECT pid FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()`,
  );
  return rows.map((row) => row.pid);
}

/**
 * Runs `work` and answers the CPU time each side spent while it ran. A backend that
 * started during the run counts from its start; one that ended during it is lost (the
 * app's pool keeps its connections under load).
 */
export async function meterCpu<T>(
  appPid: number,
  databaseUrl: string,
  work: () => Promise<T>,
): Promise<{ result: T; cpu: CpuUse }> {
  const client = new pg.Client({ connectionString: databaseUrl });
  await client.connect();
  try {
    const before = new Map<number, number>();
    for (const pid of await backendPids(client)) before.set(pid, processCpuSeconds(pid) ?? 0);
    const appBefore = processCpuSeconds(appPid) ?? 0;
    const workBefore = await snapshotDatabaseWork(client);
    const benchBefore = benchCpuSeconds();
    const result = await work();
    const benchSeconds = benchCpuSeconds() - benchBefore;
    const appSeconds = (processCpuSeconds(appPid) ?? appBefore) - appBefore;
    let databaseSeconds = 0;
    for (const pid of new Set([...before.keys(), ...(await backendPids(client))])) {
      const now = processCpuSeconds(pid);
      if (now !== undefined) databaseSeconds += now - (before.get(pid) ?? 0);
    }
    const databaseWork = { before: workBefore, after: await snapshotDatabaseWork(client) };
    return { result, cpu: { appSeconds, databaseSeconds, benchSeconds, databaseWork } };
  } finally {
    await client.end();
  }
}
