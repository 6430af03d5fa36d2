import { describe, expect, it } from 'vitest';
import { MetricsRegistry } from './metrics.registry.js';

/** The lines of one metric family in a scrape, HELP and TYPE included. */
function family(scrape: string, name: string): string[] {
  return scrape
    .split('\n')
    .filter((line) => line.startsWith(`${name}`) || line.includes(` ${name} `));
}

describe('MetricsRegistry', () => {
  it('reads every gauge on each scrape, async collectors and labels included', async () => {
    const registry = new MetricsRegistry();
    let parked = 3;
    registry.gauge({ name: 'ledger_parked_sagas', help: 'Parked sagas' }, () =>
      Promise.resolve([{ value: parked }]),
    );
    registry.gauge({ name: 'ledger_a', help: 'A', labelNames: ['circuit'] }, () => [
      { labels: { circuit: 'market' }, value: 1 },
    ]);
    const first = await registry.render();
    expect(family(first, 'ledger_parked_sagas')).toEqual([
      '# HELP ledger_parked_sagas Parked sagas',
      '# TYPE ledger_parked_sagas gauge',
      'ledger_parked_sagas 3',
    ]);
    expect(first).toContain('ledger_a{circuit="market"} 1\n');
    parked = 0;
    expect(await registry.render()).toContain('ledger_parked_sagas 0\n');
  });

  it("drops a gauge's samples that its collector no longer reports", async () => {
    const registry = new MetricsRegistry();
    let circuits = ['a', 'b'];
    registry.gauge({ name: 'ledger_c', help: 'C', labelNames: ['circuit'] }, () =>
      circuits.map((circuit) => ({ labels: { circuit }, value: 1 })),
    );
    expect(await registry.render()).toContain('ledger_c{circuit="b"} 1');
    circuits = ['a'];
    expect(await registry.render()).not.toContain('ledger_c{circuit="b"}');
  });

  it('shows counters, histograms and the process metrics', async () => {
    const registry = new MetricsRegistry();
    registry
      .counter({ name: 'ledger_n_total', help: 'N', labelNames: ['type'] })
      .inc({ type: 'x' });
    registry
      .durationHistogram({ name: 'ledger_d_seconds', help: 'D', labelNames: ['op'] })
      .observe({ op: 'y' }, 0.003);
    const scrape = await registry.render();
    expect(scrape).toContain('ledger_n_total{type="x"} 1\n');
    expect(scrape).toContain('ledger_d_seconds_bucket{le="0.005",op="y"} 1\n');
    expect(scrape).toContain('ledger_d_seconds_count{op="y"} 1\n');
    expect(scrape).toMatch(/^process_cpu_user_seconds_total \d/m);
    expect(scrape).toMatch(/^nodejs_eventloop_lag_seconds \d/m);
  });

  it('leaves out a collector that fails, and still answers with the others', async () => {
    const registry = new MetricsRegistry();
    registry.gauge({ name: 'ledger_broken', help: 'Broken' }, () => {
      throw new Error('database down');
    });
    registry.gauge({ name: 'ledger_ok', help: 'OK' }, () => [{ value: 1 }]);
    const scrape = await registry.render();
    expect(scrape).toContain('ledger_ok 1\n');
    expect(scrape).not.toContain('ledger_broken');
  });

  it('answers within the bound when a collector hangs, and does not start it again meanwhile', async () => {
    const registry = new MetricsRegistry();
    let calls = 0;
    let release: (samples: { value: number }[]) => void = () => undefined;
    registry.gauge({ name: 'ledger_hung', help: 'Hung' }, () => {
      calls++;
      if (calls > 1) return [{ value: 7 }];
      return new Promise<{ value: number }[]>((resolve) => {
        release = resolve;
      });
    });
    registry.gauge({ name: 'ledger_ok', help: 'OK' }, () => [{ value: 1 }]);
    for (let scrape = 0; scrape < 2; scrape++) {
      const startedMs = performance.now();
      const text = await registry.render(200);
      // The bound plus scheduling slack on a loaded machine.
      expect(performance.now() - startedMs).toBeLessThan(2_000);
      expect(text).toContain('ledger_ok 1\n');
      expect(text).not.toContain('ledger_hung');
    }
    expect(calls).toBe(1);
    release([{ value: 5 }]);
    await new Promise((resolve) => setTimeout(resolve, 0));
    expect(await registry.render(200)).toContain('ledger_hung 7\n');
    expect(calls).toBe(2);
  });

  it('refuses a second metric of one name', () => {
    const registry = new MetricsRegistry();
    registry.counter({ name: 'ledger_x_total', help: 'h' });
    expect(() => registry.gauge({ name: 'ledger_x_total', help: 'h' }, () => [])).toThrow(
      'registered already',
    );
  });
});
