import { Inject } from '@nestjs/common';
import { type IQueryHandler, Query, QueryHandler } from '@nestjs/cqrs';
import { accountStream, holdingStream } from '../../events/stream-names.js';
import {
  EVENT_STORE,
  type EventStore,
  type RecordedEvent,
} from '../../event-store/event-store.port.js';
import { type Position, comparePositions } from '../../event-store/position.js';
import { streamPages } from '../../event-store/stream-pages.js';
import { type Consistent } from '../consistency/consistency.service.js';
import { checkedId } from '../query-args.js';
import { type AccountAt, type TravelPoint, foldAccountAt } from './account-fold.js';

/** The account as of a point in the log; undefined `at`: as it stands now. */
export class AccountAtQuery extends Query<Consistent<AccountAt>> {
  constructor(
    readonly accountId: string,
    readonly at: TravelPoint | undefined,
  ) {
    super();
  }
}

/**
 * Time travel for operators: the account's stream and its holdings' streams read through
 * the event-store port (never a view, so a rebuild cannot change the past) and folded up
 * to the point. The holdings are those of every instrument the account ever ordered.
 */
@QueryHandler(AccountAtQuery)
export class AccountAtHandler implements IQueryHandler<AccountAtQuery> {
  constructor(@Inject(EVENT_STORE) private readonly store: EventStore) {}

  async execute(query: AccountAtQuery): Promise<Consistent<AccountAt>> {
    const accountId = checkedId('id', query.accountId);
    // Taken first: every event at or before it is committed and readable below.
    const head = await this.store.headPosition();
    const point: TravelPoint = query.at ?? { kind: 'position', position: head };
    const accountEvents = await this.wholeStream(accountStream(accountId), head);
    const now = foldAccountAt(accountEvents, new Map(), { kind: 'position', position: head });
    const holdingStreams = new Map<string, RecordedEvent[]>();
    for (const instrument of [...now.account.instruments].sort()) {
      holdingStreams.set(
        instrument,
        await this.wholeStream(holdingStream(accountId, instrument), head),
      );
    }
    return {
      value: foldAccountAt(accountEvents, holdingStreams, point),
      consistency: { position: head, stale: false },
    };
  }

  /** The stream up to the head: a later event could still gain an earlier neighbour. */
  private async wholeStream(streamId: string, head: Position): Promise<RecordedEvent[]> {
    const events: RecordedEvent[] = [];
    for await (const page of streamPages(this.store, streamId)) events.push(...page);
    return events.filter((event) => comparePositions(event.position, head) <= 0);
  }
}
