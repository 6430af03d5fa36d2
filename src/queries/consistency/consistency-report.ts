import { type Position, comparePositions } from '../../event-store/position.js';

/** What one read answered from: the views reflect at least `position`; `stale` when a wait gave up. */
export interface ConsistencyReport {
  readonly position: Position;
  readonly stale: boolean;
}

// Keyed by the request's context object, so a request's reports go away with it.
const REPORTS = new WeakMap<object, ConsistencyReport>();

/**
 * Notes what a resolver's read reflected. Several query fields in one request fold into
 * one report: the lowest position (the whole response reflects at least that) and stale
 * if any of them is.
 */
export function recordConsistency(context: object, report: ConsistencyReport): void {
  const earlier = REPORTS.get(context);
  REPORTS.set(
    context,
    earlier === undefined
      ? report
      : {
          position:
            comparePositions(report.position, earlier.position) < 0
              ? report.position
              : earlier.position,
          stale: earlier.stale || report.stale,
        },
  );
}

/** What the request's reads reflected, if it made any. */
export function consistencyReportOf(context: object): ConsistencyReport | undefined {
  return REPORTS.get(context);
}
