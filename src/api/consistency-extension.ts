import { type ExecutionResult } from 'graphql';
import { type MercuriusContext } from 'mercurius';
import { encodePosition } from '../event-store/position.js';
import { consistencyReportOf } from '../queries/consistency/consistency-report.js';

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
  const report = consistencyReportOf(context);
  if (report === undefined) return;
  execution.extensions = {
    ...execution.extensions,
    consistency: { position: encodePosition(report.position), stale: report.stale },
  };
}
