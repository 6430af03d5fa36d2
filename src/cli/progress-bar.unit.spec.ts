import { describe, expect, it } from 'vitest';
import {
  type ProgressSnapshot,
  ProgressReporter,
  etaSeconds,
  formatDuration,
  formatRate,
  renderProgress,
} from './progress-bar.js';

describe('formatDuration', () => {
  it.each([
    [0, '0s'],
    [0.4, '0s'],
    [7.6, '8s'],
    [59.4, '59s'],
    [65, '1m05s'],
    [3599, '59m59s'],
    [7380, '2h03m'],
    [99 * 3600 + 59 * 60, '99h59m'],
    [100 * 3600, '>99h'],
  ])('%d s → %s', (seconds, expected) => {
    expect(formatDuration(seconds)).toBe(expected);
  });

  it('is "--" when unknown or not a duration', () => {
    expect(formatDuration(undefined)).toBe('--');
    expect(formatDuration(Number.POSITIVE_INFINITY)).toBe('--');
    expect(formatDuration(Number.NaN)).toBe('--');
    expect(formatDuration(-1)).toBe('--');
  });
});

describe('formatRate', () => {
  it.each([
    [0, '0 ev/s'],
    [812.4, '812 ev/s'],
    [999.4, '999 ev/s'],
    [999.6, '1.0k ev/s'],
    [12_345, '12.3k ev/s'],
    [999_949, '999.9k ev/s'],
    [2_500_000, '2.5M ev/s'],
  ])('%d → %s', (rate, expected) => {
    expect(formatRate(rate)).toBe(expected);
  });

  it('has no figure for a rate that is not one', () => {
    expect(formatRate(Number.NaN)).toBe('- ev/s');
    expect(formatRate(-3)).toBe('- ev/s');
  });
});

describe('etaSeconds', () => {
  it('is what is left at the current rate', () => {
    expect(etaSeconds(2_500, 10_000, 500)).toBe(15);
  });

  it('is 0 once the total is reached or passed (the log grew)', () => {
    expect(etaSeconds(10_000, 10_000, 500)).toBe(0);
    expect(etaSeconds(12_000, 10_000, 500)).toBe(0);
  });

  it('is unknown without a total or a rate', () => {
    expect(etaSeconds(100, undefined, 500)).toBeUndefined();
    expect(etaSeconds(0, 10_000, 0)).toBeUndefined();
    expect(etaSeconds(0, 10_000, Number.POSITIVE_INFINITY)).toBeUndefined();
  });
});

describe('renderProgress', () => {
  it('draws the bar, the share, the counts, the rate and the ETA', () => {
    expect(
      renderProgress({
        phase: 'catching-up',
        applied: 2_500,
        total: 10_000,
        eventsPerSecond: 500,
      }),
    ).toBe('catching-up [#####---------------] 25% 2,500/~10,000 events  500 ev/s  ETA 15s');
  });

  it('counts a total the log has outgrown as what is applied', () => {
    expect(
      renderProgress({ phase: 'aligning', applied: 12_000, total: 10_000, eventsPerSecond: 4_000 }),
    ).toBe('aligning [####################] 100% 12,000/~12,000 events  4.0k ev/s  ETA 0s');
  });

  it('is full for an empty log', () => {
    expect(renderProgress({ phase: 'catching-up', applied: 0, total: 0, eventsPerSecond: 0 })).toBe(
      'catching-up [####################] 100% 0/~0 events  0 ev/s  ETA --',
    );
  });

  it('leaves the bar out at width 0', () => {
    expect(
      renderProgress(
        { phase: 'catching-up', applied: 2_500, total: 10_000, eventsPerSecond: 500 },
        0,
      ),
    ).toBe('catching-up 25% 2,500/~10,000 events  500 ev/s  ETA 15s');
  });

  it('goes without bar and ETA when the total is unknown', () => {
    expect(
      renderProgress({
        phase: 'catching-up',
        applied: 1_234_567,
        total: undefined,
        eventsPerSecond: 20_000,
      }),
    ).toBe('catching-up 1,234,567 events  20.0k ev/s');
  });
});

class FakeStream {
  readonly chunks: string[] = [];
  constructor(
    readonly isTTY: boolean,
    readonly columns = 200,
  ) {}
  write(chunk: string): boolean {
    this.chunks.push(chunk);
    return true;
  }
}

function snapshot(applied: number, phase = 'catching-up'): ProgressSnapshot {
  return { phase, applied, total: 1_000, eventsPerSecond: 100 };
}

describe('ProgressReporter', () => {
  it('redraws a terminal line in place at most 10 times a second', () => {
    const stream = new FakeStream(true);
    let now = 0;
    const reporter = new ProgressReporter(stream, { now: () => now });
    for (let i = 1; i <= 100; i++) {
      reporter.update(snapshot(i * 10));
      now += 10; // 100 updates over one second
    }
    expect(stream.chunks.length).toBe(10);
    expect(
      stream.chunks.every((chunk) => chunk.startsWith('\r') && chunk.endsWith('\u001b[K')),
    ).toBe(true);
    reporter.finish();
    // The last state was skipped: finish draws it, then ends the line.
    expect(stream.chunks.at(-2)).toContain('1,000/~1,000');
    expect(stream.chunks.at(-1)).toBe('\n');
  });

  it('draws a change of phase at once', () => {
    const stream = new FakeStream(true);
    const reporter = new ProgressReporter(stream, { now: () => 0 });
    reporter.update(snapshot(10));
    reporter.update(snapshot(20));
    reporter.update(snapshot(30, 'aligning'));
    expect(stream.chunks.length).toBe(2);
    expect(stream.chunks[1]).toContain('aligning');
  });

  const drawn = (chunk: string): string => chunk.slice(1, -'\u001b[K'.length);

  it('keeps a terminal line within the terminal width: the bar gives way first', () => {
    const full =
      'accounts catching-up [##########----------] 50% 500/~1,000 events  100 ev/s  ETA 5s';
    const wide = new FakeStream(true, full.length + 1);
    new ProgressReporter(wide, { now: () => 0, label: 'accounts' }).update(snapshot(500));
    expect(drawn(wide.chunks[0]!)).toBe(full);

    const narrower = new FakeStream(true, full.length - 9);
    new ProgressReporter(narrower, { now: () => 0, label: 'accounts' }).update(snapshot(500));
    expect(drawn(narrower.chunks[0]!)).toBe(
      'accounts catching-up [#####-----] 50% 500/~1,000 events  100 ev/s  ETA 5s',
    );

    const narrow = new FakeStream(true, 30);
    new ProgressReporter(narrow, { now: () => 0, label: 'accounts' }).update(snapshot(500));
    expect(drawn(narrow.chunks[0]!)).toBe('accounts catching-up 50% 500/');
  });

  it('counts a terminal of unknown size as 80 columns wide', () => {
    const stream = new FakeStream(true, 0);
    const reporter = new ProgressReporter(stream, { now: () => 0, label: 'ledger-entries' });
    reporter.update({ phase: 'catching-up', applied: 950, total: 3_020, eventsPerSecond: 3_800 });
    expect(drawn(stream.chunks[0]!)).toBe(
      'ledger-entries catching-up [##-------] 31% 950/~3,020 events  3.8k ev/s  ETA 1s',
    );
  });

  it('writes plain lines, at most one a second, when the stream is not a terminal', () => {
    const stream = new FakeStream(false);
    let now = 0;
    const reporter = new ProgressReporter(stream, { now: () => now, label: 'accounts' });
    for (let i = 1; i <= 30; i++) {
      reporter.update(snapshot(i * 10));
      now += 100; // 30 updates over three seconds
    }
    reporter.finish();
    expect(stream.chunks.every((chunk) => chunk.endsWith('\n') && !chunk.includes('\r'))).toBe(
      true,
    );
    expect(stream.chunks.length).toBe(4); // at 0, 1 s, 2 s, and the last state
    expect(stream.chunks[0]).toMatch(/^accounts catching-up \[/);
    expect(stream.chunks.at(-1)).toContain('300/~1,000');
  });

  it('adds nothing on finish when the last state is drawn and nothing was drawn on a terminal', () => {
    const stream = new FakeStream(false);
    const reporter = new ProgressReporter(stream, { now: () => 0 });
    reporter.finish();
    reporter.update(snapshot(1));
    reporter.finish();
    reporter.finish();
    expect(stream.chunks.length).toBe(1);
  });
});
