import { type AccountEvent } from '../domain/account.events.js';
import { type HoldingEvent } from '../domain/holding.events.js';
import { type OrderSagaEvent } from './order-saga.events.js';
import { type OrderEvent } from '../domain/order.events.js';

export type DomainEvent = AccountEvent | HoldingEvent | OrderEvent | OrderSagaEvent;
export type DomainEventType = DomainEvent['type'];

/**
 * The current schema version of every event type. Stored type names are
 * `<Type>.v<version>`: stable, never a class name. Raising a version needs an
 * upcaster from the previous one (see upcasters.ts).
 */
export const EVENT_VERSIONS: Readonly<Record<DomainEventType, number>> = {
  AccountOpened: 1,
  FundsDeposited: 2,
  FundsWithdrawn: 1,
  AccountOrderOpened: 1,
  AccountOrderClosed: 1,
  CashReserved: 1,
  CashReservationReleased: 1,
  FeeCharged: 1,
  FeeRefunded: 1,
  TradeCashSettled: 1,
  AccountClosed: 1,
  SharesReserved: 1,
  ShareReservationReleased: 1,
  SharesAcquired: 1,
  SharesDisposed: 1,
  OrderPlaced: 1,
  OrderAccepted: 1,
  OrderFilled: 1,
  OrderCompleted: 1,
  OrderRejected: 1,
  OrderFailed: 1,
  OrderCancellationRequested: 1,
  OrderCancelled: 1,
  OrderExpired: 1,
  OrderSagaStarted: 1,
  OrderSagaReserved: 1,
  OrderSagaFeeCharged: 1,
  OrderSagaSubmitted: 1,
  OrderSagaSubmitUnconfirmed: 1,
  OrderSagaMarketPolled: 1,
  OrderSagaFillSettled: 1,
  OrderSagaMarketOrderMissing: 1,
  OrderSagaMarketOrderLost: 1,
  OrderSagaMarketCancelSent: 1,
  OrderSagaCompensationRequested: 1,
  OrderSagaEnding: 1,
  OrderSagaFinished: 1,
};

export function storedTypeName(type: DomainEventType): string {
  return `${type}.v${EVENT_VERSIONS[type]}`;
}

/** Every name the type is stored under: its current version and each older one, upcast on read. */
export function storedTypeNames(type: DomainEventType): string[] {
  return Array.from({ length: EVENT_VERSIONS[type] }, (_, index) => `${type}.v${index + 1}`);
}

export function parseStoredTypeName(stored: string): { type: string; version: number } | undefined {
  const match = /^([A-Za-z]+)\.v(\d+)$/.exec(stored);
  return match ? { type: match[1]!, version: Number(match[2]) } : undefined;
}

export function isDomainEventType(type: string): type is DomainEventType {
  return Object.hasOwn(EVENT_VERSIONS, type);
}
