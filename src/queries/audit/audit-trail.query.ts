import { Inject } from '@nestjs/common';
import { type IQueryHandler, Query, QueryHandler } from '@nestjs/cqrs';
import { accountStream, orderSagaStream, orderStream } from '../../events/stream-names.js';
import {
  EVENT_STORE,
  type EventStore,
  type RecordedEvent,
} from '../../event-store/event-store.port.js';
import { streamPages } from '../../event-store/stream-pages.js';
import { type Consistent } from '../consistency/consistency.service.js';
import { DIGITS, decodeAfter, encodeCursor } from '../paging/cursor.js';
import { type Page, pageOf, pageSize } from '../paging/page.js';
import { checkedId } from '../query-args.js';
import { type AuditEntry, auditSlice, orderIdsOf } from './audit-entry.mapper.js';

/** Who did what to an account and its orders, in log order, read from the log itself. */
export class AuditTrailQuery extends Query<Consistent<Page<AuditEntry>>> {
  constructor(
    readonly accountId: string,
    readonly first: number | null | undefined,
    readonly after: string | null | undefined,
  ) {
    super();
  }
}

const CURSOR_KIND = 'audit-trail';
/** Order streams read at once: an account with many orders does not flood the store. */
const STREAM_READS_AT_ONCE = 8;

/**
 * Reads the account's stream, the streams of the orders it names (each order's own and its
 * placement saga's, where an admin's compensation or failure is recorded) through the
 * event-store port, never a view: a rebuild cannot change the trail, and it works on
 * every store adapter. Each page reads those streams whole and keeps the entries after
 * the cursor up to the log's head; the cost grows with the account's history, which
 * suits an operator's occasional look rather than a hot path.
 */
@QueryHandler(AuditTrailQuery)
export class AuditTrailHandler implements IQueryHandler<AuditTrailQuery> {
  constructor(@Inject(EVENT_STORE) private readonly store: EventStore) {}

  async execute(query: AuditTrailQuery): Promise<Consistent<Page<AuditEntry>>> {
    const accountId = checkedId('accountId', query.accountId);
    const limit = pageSize(query.first);
    const after = decodeAfter(CURSOR_KIND, query.after, [DIGITS, DIGITS]);
    // Taken first: every event at or before it is committed and readable below.
    const head = await this.store.headPosition();
    const account = await this.wholeStream(accountStream(accountId));
    const orderStreams = orderIdsOf(account).flatMap((id) => [
      orderStream(id),
      orderSagaStream(id),
    ]);
    const streams = [account];
    for (let start = 0; start < orderStreams.length; start += STREAM_READS_AT_ONCE) {
      const batch = orderStreams.slice(start, start + STREAM_READS_AT_ONCE);
      streams.push(...(await Promise.all(batch.map((id) => this.wholeStream(id)))));
    }
    const slice = auditSlice(streams, {
      after: after && { commit: BigInt(after[0]!), prepare: BigInt(after[1]!) },
      head,
      limit,
    });
    return {
      value: pageOf(slice, (entry) =>
        encodeCursor(CURSOR_KIND, [
          entry.position.commit.toString(),
          entry.position.prepare.toString(),
        ]),
      ),
      consistency: { position: head, stale: false },
    };
  }

  private async wholeStream(streamId: string): Promise<RecordedEvent[]> {
    const events: RecordedEvent[] = [];
    for await (const page of streamPages(this.store, streamId)) events.push(...page);
    return events;
  }
}
