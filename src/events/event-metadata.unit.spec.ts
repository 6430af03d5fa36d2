import { describe, expect, it } from 'vitest';
import { type EventMetadata, fromJson, toJson } from './event-metadata.js';

const BY_CUSTOMER: EventMetadata = {
  correlationId: 'corr-1',
  causationId: 'cmd-1',
  commandId: 'cmd-1',
  userId: 'customer-a',
  occurredAt: '2024-01-02T03:04:05.000Z',
};

describe('event metadata', () => {
  it('stores no initiator key when the actor acted on its own account', () => {
    expect(Object.keys(toJson(BY_CUSTOMER))).not.toContain('initiatorId');
    expect(fromJson(toJson(BY_CUSTOMER))).toEqual(BY_CUSTOMER);
  });

  it("keeps a process's initiator through a round trip", () => {
    const bySaga = { ...BY_CUSTOMER, userId: 'system:order-saga', initiatorId: 'customer-a' };
    expect(toJson(bySaga)['initiatorId']).toBe('customer-a');
    expect(fromJson(toJson(bySaga))).toEqual(bySaga);
  });

  it('reads metadata recorded before the initiator existed, and tolerates odd values', () => {
    const old = { ...toJson(BY_CUSTOMER) };
    expect(fromJson(old).initiatorId).toBeUndefined();
    expect(fromJson({ ...old, initiatorId: 42 }).initiatorId).toBeUndefined();
    expect(fromJson({}).userId).toBe('');
  });
});
