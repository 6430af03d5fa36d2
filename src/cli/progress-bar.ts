import { formatCount } from './table-format.js';

export interface ProgressSnapshot {
  readonly phase: string;
  readonly applied: number;
  /** An estimate of the events to apply in all; undefined when unknown. */
  readonly total: number | undefined;
  readonly eventsPerSecond: number;
}

const BAR_WIDTH = 20;
const MAX_DURATION_SECONDS = 100 * 3600;

/** 7 → "7s", 65 → "1m05s", 7380 → "2h03m"; "--" when unknown. */
export function formatDuration(seconds: number | undefined): string {
  if (seconds === undefined || !Number.isFinite(seconds) || seconds < 0) return '--';
  if (seconds >= MAX_DURATION_SECONDS) return '>99h';
  const whole = Math.round(seconds);
  if (whole < 60) return `${whole}s`;
  const pad = (n: number): string => n.toString().padStart(2, '0');
  if (whole < 3600) return `${Math.floor(whole / 60)}m${pad(whole % 60)}s`;
  return `${Math.floor(whole / 3600)}h${pad(Math.floor((whole % 3600) / 60))}m`;
}

/** 812.4 → "812 ev/s", 12_345 → "12.3k ev/s", 2_500_000 → "2.5M ev/s". */
export function formatRate(eventsPerSecond: number): string {
  if (!Number.isFinite(eventsPerSecond) || eventsPerSecond < 0) return '- ev/s';
  if (eventsPerSecond < 999.5) return `${Math.round(eventsPerSecond)} ev/s`;
  if (eventsPerSecond < 999_950) return `${(eventsPerSecond / 1_000).toFixed(1)}k ev/s`;
  return `${(eventsPerSecond / 1_000_000).toFixed(1)}M ev/s`;
}

/** Seconds left at the current rate; undefined without a total or a rate. */
export function etaSeconds(
  applied: number,
  total: number | undefined,
  eventsPerSecond: number,
): number | undefined {
  if (total === undefined || !Number.isFinite(eventsPerSecond) || eventsPerSecond <= 0) {
    return undefined;
  }
  return Math.max(total - applied, 0) / eventsPerSecond;
}

/**
 * One line: `catching-up [#####---------------] 25% 2,500/~10,000 events  812 ev/s  ETA 9s`.
 * A total the log has outgrown counts as what is applied so far. A bar of width 0 is left out.
 */
export function renderProgress(snapshot: ProgressSnapshot, barWidth = BAR_WIDTH): string {
  const { phase, applied, eventsPerSecond } = snapshot;
  const rate = formatRate(eventsPerSecond);
  if (snapshot.total === undefined) {
    return `${phase} ${formatCount(applied)} events  ${rate}`;
  }
  const total = Math.max(snapshot.total, applied);
  const fraction = total === 0 ? 1 : applied / total;
  const width = Math.max(Math.floor(barWidth), 0);
  const filled = Math.min(Math.floor(fraction * width), width);
  const bar = width === 0 ? '' : ` [${'#'.repeat(filled)}${'-'.repeat(width - filled)}]`;
  const percent = Math.floor(fraction * 100);
  const eta = formatDuration(etaSeconds(applied, total, eventsPerSecond));
  return `${phase}${bar} ${percent}% ${formatCount(applied)}/~${formatCount(total)} events  ${rate}  ETA ${eta}`;
}

export interface ProgressStream {
  readonly isTTY?: boolean;
  readonly columns?: number;
  write(chunk: string): unknown;
}

export interface ProgressReporterOptions {
  /** Put before each line, e.g. the projection's name. */
  readonly label?: string;
  readonly now?: () => number;
  /** Least time between two redraws on a terminal: 100 ms, at most 10 a second. */
  readonly ttyIntervalMs?: number;
  /** Least time between two lines when the stream is not a terminal (a log file, a pipe). */
  readonly plainIntervalMs?: number;
}

const CLEAR_TO_END_OF_LINE = '\u001b[K';
const DEFAULT_COLUMNS = 80;

/**
 * Draws progress on a terminal in place, at most every ttyIntervalMs; elsewhere as plain
 * lines, at most every plainIntervalMs. A change of phase is drawn at once.
 */
export class ProgressReporter {
  private readonly tty: boolean;
  private readonly now: () => number;
  private readonly interval: number;
  private lastDrawnAt = Number.NEGATIVE_INFINITY;
  private lastPhase: string | undefined;
  private latest: ProgressSnapshot | undefined;
  private latestDrawn = true;
  private drewOnTerminal = false;

  constructor(
    private readonly stream: ProgressStream,
    private readonly options: ProgressReporterOptions = {},
  ) {
    this.tty = stream.isTTY === true;
    this.now = options.now ?? Date.now;
    this.interval = this.tty ? (options.ttyIntervalMs ?? 100) : (options.plainIntervalMs ?? 1_000);
  }

  update(snapshot: ProgressSnapshot): void {
    this.latest = snapshot;
    this.latestDrawn = false;
    const now = this.now();
    if (snapshot.phase === this.lastPhase && now - this.lastDrawnAt < this.interval) return;
    this.draw(snapshot, now);
  }

  /** Draws the last state if it was skipped, and ends the terminal's progress line. */
  finish(): void {
    if (this.latest && !this.latestDrawn) this.draw(this.latest, this.now());
    if (this.drewOnTerminal) this.stream.write('\n');
    this.drewOnTerminal = false;
  }

  private draw(snapshot: ProgressSnapshot, now: number): void {
    const label = this.options.label === undefined ? '' : `${this.options.label} `;
    const line = label + renderProgress(snapshot);
    if (this.tty) {
      // A line longer than the terminal would wrap, and \r would redraw only its last part:
      // the bar gives way first, then the end of the line.
      // A terminal of unknown size (a pty without one reports 0 columns) counts as 80 wide.
      const width = Math.max((this.stream.columns || DEFAULT_COLUMNS) - 1, 10);
      const fitted =
        line.length <= width
          ? line
          : label + renderProgress(snapshot, BAR_WIDTH - (line.length - width));
      this.stream.write(`\r${fitted.slice(0, width)}${CLEAR_TO_END_OF_LINE}`);
      this.drewOnTerminal = true;
    } else {
      this.stream.write(`${line}\n`);
    }
    this.lastDrawnAt = now;
    this.lastPhase = snapshot.phase;
    this.latestDrawn = true;
  }
}
