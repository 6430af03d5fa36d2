import { type ExecutionResult } from 'graphql';
import { type MercuriusContext } from 'mercurius';
import { type Position, comparePositions, encodePosition } from '../event-store/position.js';

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

/**
 * Mercurius `onResolution` hook: puts `extensions.consistency = { position, stale }` on
 * every response whose resolvers recorded a read. It runs after the error formatter, so
 * the extension survives partial errors too.
 */
export function addConsistencyExtension(
  // Only the extensions: @nestjs/mercurius types the hook's result data as the context.
  execution: Pick<ExecutionResult, 'extensions'>,
  context: MercuriusContext,
): void {
  const report = REPORTS.get(context);
  if (report === undefined) return;
  execution.extensions = {
    ...execution.extensions,
    consistency: { position: encodePosition(report.position), stale: report.stale },
  };
}
