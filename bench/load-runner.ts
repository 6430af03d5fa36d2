import os from 'node:os';
import { performance } from 'node:perf_hooks';

export interface LoadResult {
  readonly operations: number;
  readonly concurrency: number;
  readonly seconds: number;
  readonly perSecond: number;
  readonly latencyMs: { readonly p50: number; readonly p99: number; readonly max: number };
  /**
   * CPU this Node process spent per operation (user + system, all threads: includes GC
   * and the pg driver). On a 2-core box Node and PostgreSQL share the cores, so this is
   * the client's share of the budget.
   */
  readonly clientCpuMsPerOp: number;
  /** 1-minute load average when the phase started: how noisy the machine was. */
  readonly loadAverage1m: number;
  readonly failures: number;
  readonly firstFailure?: string;
}

function percentile(sorted: Float64Array, fraction: number): number {
  if (sorted.length === 0) return 0;
  return sorted[Math.min(sorted.length - 1, Math.floor(fraction * sorted.length))]!;
}

/**
 * Runs `operations` calls of `operation` with exactly `concurrency` in flight: each
 * worker takes the next index as soon as its previous call settles (a closed loop, like
 * clients waiting for their answer). A failure is counted and the run goes on, so one
 * bad call shows up in the verification instead of hiding the rest of the run.
 */
export async function runLoad(
  operations: number,
  concurrency: number,
  operation: (index: number) => Promise<unknown>,
): Promise<LoadResult> {
  const latencies = new Float64Array(operations);
  let next = 0;
  let failures = 0;
  let firstFailure: string | undefined;

  const worker = async (): Promise<void> => {
    for (let index = next++; index < operations; index = next++) {
      const started = performance.now();
      try {
        await operation(index);
      } catch (error) {
        failures += 1;
        firstFailure ??= error instanceof Error ? `${error.name}: ${error.message}` : String(error);
      }
      latencies[index] = performance.now() - started;
    }
  };

  const loadAverage1m = os.loadavg()[0] ?? 0;
  const cpuBefore = process.cpuUsage();
  const started = performance.now();
  await Promise.all(Array.from({ length: Math.min(concurrency, operations) }, worker));
  const seconds = (performance.now() - started) / 1_000;
  const cpu = process.cpuUsage(cpuBefore);

  latencies.sort();
  return {
    operations,
    concurrency,
    seconds,
    perSecond: operations / seconds,
    latencyMs: {
      p50: percentile(latencies, 0.5),
      p99: percentile(latencies, 0.99),
      max: latencies[latencies.length - 1] ?? 0,
    },
    clientCpuMsPerOp: (cpu.user + cpu.system) / 1_000 / operations,
    loadAverage1m,
    failures,
    ...(firstFailure === undefined ? {} : { firstFailure }),
  };
}
