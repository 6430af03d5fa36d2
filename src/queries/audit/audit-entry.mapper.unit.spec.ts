import { describe, expect, it } from 'vitest';
import { type JsonObject, type RecordedEvent } from '../../event-store/event-store.port.js';
import { type Position } from '../../event-store/position.js';
import { auditEntryOf, auditSlice, orderIdsOf } from './audit-entry.mapper.js';

const at = (commit: number, prepare = 0): Position => ({
  commit: BigInt(commit),
  prepare: BigInt(prepare),
});

function recorded(
  streamId: string,
  position: Position,
  data: JsonObject = {},
  metadata: JsonObject = {},
): RecordedEvent {
  return {
    id: `${streamId}@${position.commit}.${position.prepare}`,
    type: 'FundsDeposited.v2',
    streamId,
    revision: 0n,
    position,
    data,
    metadata,
    createdAt: new Date('2024-05-06T07:08:09.000Z'),
  };
}

describe('auditEntryOf', () => {
  it('maps the stored type and every metadata field, the initiator included', () => {
    const entry = auditEntryOf(
      recorded(
        'account-a',
        at(5, 1),
        {},
        {
          correlationId: 'o-1',
          causationId: 'order-saga-o-1:reserve',
          commandId: 'cmd',
          userId: 'system:order-saga',
          initiatorId: 'customer-a',
          occurredAt: '2024-01-01T00:00:00.000Z',
        },
      ),
    );
    expect(entry).toEqual({
      position: at(5, 1),
      streamId: 'account-a',
      eventType: 'FundsDeposited.v2',
      occurredAt: new Date('2024-01-01T00:00:00.000Z'),
      userId: 'system:order-saga',
      initiatorId: 'customer-a',
      correlationId: 'o-1',
      causationId: 'order-saga-o-1:reserve',
      commandId: 'cmd',
    });
  });

  it('reads an event recorded without an initiator or a time', () => {
    const entry = auditEntryOf(recorded('account-a', at(1), {}, { userId: 'customer-a' }));
    expect(entry.initiatorId).toBeNull();
    expect(entry.occurredAt).toEqual(new Date('2024-05-06T07:08:09.000Z'));
  });
});

describe('orderIdsOf', () => {
  it("collects each order the account's events name, once, in first-seen order", () => {
    const events = [
      recorded('account-a', at(1), { accountId: 'a' }),
      recorded('account-a', at(2), { orderId: 'o-1', instrument: 'AAPL' }),
      recorded('account-a', at(3), { orderId: 'o-2', instrument: 'MSFT' }),
      recorded('account-a', at(4), { orderId: 'o-1', amountMinor: '5' }),
    ];
    expect(orderIdsOf(events)).toEqual(['o-1', 'o-2']);
  });
});

describe('auditSlice', () => {
  const account = [recorded('account-a', at(1)), recorded('account-a', at(4, 2))];
  const order = [
    recorded('order-o', at(2)),
    recorded('order-o', at(4, 1)),
    recorded('order-o', at(9)),
  ];
  const head = at(8);
  const positionsOf = (slice: ReturnType<typeof auditSlice>): Position[] =>
    slice.items.map((entry) => entry.position);

  it('merges the streams into log order up to the head, and says whether more follow', () => {
    const first = auditSlice([account, order], { after: undefined, head, limit: 3 });
    expect(positionsOf(first)).toEqual([at(1), at(2), at(4, 1)]);
    expect(first.hasMore).toBe(true);
  });

  it('starts strictly after the cursor and never passes the head', () => {
    const rest = auditSlice([account, order], { after: at(4, 1), head, limit: 3 });
    expect(positionsOf(rest)).toEqual([at(4, 2)]);
    expect(rest.hasMore).toBe(false);
  });
});
