import { Query, type QueryBus } from '@nestjs/cqrs';
import { recordConsistency } from './consistency-report.js';
import { type Consistent, type ReadConsistency } from './consistency.service.js';

/** A query that waits for its views as `consistency` asks and says what it reflects. */
export abstract class ConsistentQuery<T> extends Query<Consistent<T>> {
  constructor(readonly consistency: ReadConsistency) {
    super();
  }
}

/**
 * Runs a consistent query for a resolver and notes its consistency on the request, for the
 * response's `extensions.consistency`.
 */
export async function executeConsistent<T>(
  queryBus: QueryBus,
  requestContext: object,
  query: ConsistentQuery<T>,
): Promise<Consistent<T>> {
  const result = await queryBus.execute(query);
  recordConsistency(requestContext, result.consistency);
  return result;
}
