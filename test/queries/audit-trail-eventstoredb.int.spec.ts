import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { toJson } from '../../src/events/event-metadata.js';
import { type EventToAppend, type JsonObject } from '../../src/event-store/event-store.port.js';
import { comparePositions } from '../../src/event-store/position.js';
import { EventStoreDbEventStore } from '../../src/infrastructure/event-store/eventstoredb/eventstoredb.event-store.js';
import { AuditTrailHandler, AuditTrailQuery } from '../../src/queries/audit/audit-trail.query.js';
import { type EsdbEmulator, startEsdbEmulator } from '../support/esdb-emulator/index.js';

let emulator: EsdbEmulator;
let store: EventStoreDbEventStore;

beforeAll(async () => {
  emulator = await startEsdbEmulator();
  store = new EventStoreDbEventStore(emulator.connectionString);
});
afterAll(async () => {
  await store?.close();
  await emulator?.stop();
});

function event(
  type: string,
  data: JsonObject,
  userId: string,
  initiatorId?: string,
): EventToAppend {
  return {
    id: randomUUID(),
    type,
    data,
    metadata: toJson({
      correlationId: 'corr',
      causationId: 'cause',
      commandId: randomUUID(),
      userId,
      ...(initiatorId === undefined ? {} : { initiatorId }),
      occurredAt: new Date().toISOString(),
    }),
  };
}

describe('auditTrail through the port, on EventStoreDB', () => {
  it("merges the account's and its orders' streams in log order and pages to the end", async () => {
    const accountId = randomUUID();
    const orderId = randomUUID();
    const append = (stream: string, appended: EventToAppend): Promise<unknown> =>
      store.appendToStream(stream, [appended], { expectedRevision: 'any' });
    await append(`account-${accountId}`, event('AccountOpened.v1', { accountId }, 'c-1'));
    await append(`account-${orderId}-elsewhere`, event('AccountOpened.v1', {}, 'c-2'));
    await append(
      `account-${accountId}`,
      event('AccountOrderOpened.v1', { orderId, instrument: 'AAPL' }, 'c-1'),
    );
    await append(`order-${orderId}`, event('OrderPlaced.v1', { orderId }, 'c-1'));
    await append(`order-saga-${orderId}`, event('OrderSagaStarted.v1', { orderId }, 'saga', 'c-1'));
    await append(
      `account-${accountId}`,
      event('CashReserved.v1', { orderId, amountMinor: '5' }, 'saga', 'c-1'),
    );

    const handler = new AuditTrailHandler(store);
    const whole = (await handler.execute(new AuditTrailQuery(accountId, 200, null))).value;
    expect(
      whole.nodes.map((entry) => [entry.streamId, entry.eventType, entry.initiatorId]),
    ).toEqual([
      [`account-${accountId}`, 'AccountOpened.v1', null],
      [`account-${accountId}`, 'AccountOrderOpened.v1', null],
      [`order-${orderId}`, 'OrderPlaced.v1', null],
      [`order-saga-${orderId}`, 'OrderSagaStarted.v1', 'c-1'],
      [`account-${accountId}`, 'CashReserved.v1', 'c-1'],
    ]);
    const paged = [];
    let after: string | null = null;
    for (;;) {
      const { value } = await handler.execute(new AuditTrailQuery(accountId, 2, after));
      paged.push(...value.nodes);
      if (!value.hasNextPage) break;
      after = value.endCursor;
    }
    expect(paged).toEqual(whole.nodes);
    for (let index = 1; index < paged.length; index++) {
      expect(comparePositions(paged[index - 1]!.position, paged[index]!.position)).toBe(-1);
    }
  });
});
