import { describe, expect, it } from 'vitest';
import { MetricsRegistry } from './metrics.registry.js';
import { formatGauge } from './prometheus-text.js';

describe('formatGauge', () => {
  it('writes HELP, TYPE and one line per sample in the text exposition format', () => {
    expect(
      formatGauge('ledger_x', 'What x is', [
        { labels: { circuit: 'market' }, value: 1 },
        { labels: { circuit: 'other', kind: 'b' }, value: 0.5 },
        { value: 7 },
      ]),
    ).toBe(
      '# HELP ledger_x What x is\n' +
        '# TYPE ledger_x gauge\n' +
        'ledger_x{circuit="market"} 1\n' +
        'ledger_x{circuit="other",kind="b"} 0.5\n' +
        'ledger_x 7\n',
    );
  });

  it('escapes help text and label values, and spells the special values', () => {
    expect(
      formatGauge('g', 'a \\ b\nc', [
        { labels: { l: 'say "hi"\\\n' }, value: Number.NaN },
        { value: Infinity },
        { value: -Infinity },
      ]),
    ).toBe(
      '# HELP g a \\\\ b\\nc\n# TYPE g gauge\n' +
        'g{l="say \\"hi\\"\\\\\\n"} NaN\ng +Inf\ng -Inf\n',
    );
  });

  it('refuses a label name Prometheus would reject', () => {
    expect(() => formatGauge('g', 'h', [{ labels: { 'bad-name': 'x' }, value: 1 }])).toThrow(
      'bad-name',
    );
    expect(() => formatGauge('g', 'h', [{ labels: { __reserved: 'x' }, value: 1 }])).toThrow(
      '__reserved',
    );
  });
});

describe('MetricsRegistry', () => {
  it('reads every collector on each render, sorted by name, async ones included', async () => {
    const registry = new MetricsRegistry();
    let parked = 3;
    registry.register('ledger_parked_sagas', 'Parked sagas', () =>
      Promise.resolve([{ value: parked }]),
    );
    registry.register('ledger_a', 'A', () => [{ value: 1 }]);
    expect(await registry.render()).toBe(
      '# HELP ledger_a A\n# TYPE ledger_a gauge\nledger_a 1\n' +
        '# HELP ledger_parked_sagas Parked sagas\n# TYPE ledger_parked_sagas gauge\nledger_parked_sagas 3\n',
    );
    parked = 0;
    expect(await registry.render()).toContain('ledger_parked_sagas 0\n');
  });

  it('leaves out a collector that fails, and still answers with the others', async () => {
    const registry = new MetricsRegistry();
    registry.register('ledger_broken', 'Broken', () => {
      throw new Error('database down');
    });
    registry.register('ledger_ok', 'OK', () => [{ value: 1 }]);
    expect(await registry.render()).toBe(
      '# HELP ledger_ok OK\n# TYPE ledger_ok gauge\nledger_ok 1\n',
    );
  });

  it('refuses a bad metric name and a second registration of a name', () => {
    const registry = new MetricsRegistry();
    expect(() => registry.register('ledger-x', 'h', () => [])).toThrow('ledger-x');
    registry.register('ledger_x', 'h', () => []);
    expect(() => registry.register('ledger_x', 'h', () => [])).toThrow('registered already');
  });
});
