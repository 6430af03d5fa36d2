import { type Decision, accept, alreadyDone, reject } from '../../domain/rejection.js';
import { type OrderState, isTerminal } from '../../domain/order.decider.js';
import {
  type MarketCancelCause,
  type MarketOrderState,
  type OrderSagaEvent,
  type SagaEnding,
  type SagaFill,
} from '../../events/order-saga.events.js';
import { type OrderSide } from '../../events/order.events.js';

/**
 * The order placement saga as pure functions: its state folds from its own stream
 * (`evolveSaga`), what it records is checked by `decideSaga`, and `nextAction` says
 * what to do next from that state and the order's. Nothing here does I/O or reads a clock.
 */

export type SagaPhase =
  'NONE' | 'STARTED' | 'RESERVED' | 'FEE_CHARGED' | 'UNCONFIRMED' | 'AT_MARKET' | 'FINISHED';

export interface PendingEnding {
  readonly status: SagaEnding;
  readonly reason: string;
  readonly forced: boolean;
}

export interface SagaState {
  readonly phase: SagaPhase;
  readonly orderId: string;
  readonly accountId: string;
  readonly side: OrderSide;
  readonly instrument: string;
  readonly quantity: bigint;
  readonly priceMinor: bigint;
  readonly feeMinor: bigint;
  readonly reserveMinor: bigint;
  readonly expiresAt: string | null;
  readonly reserved: boolean;
  readonly feeCharged: boolean;
  readonly marketStatus: MarketOrderState | null;
  /** Fills seen so far at the market: pass to the next poll. */
  readonly cursor: number;
  /** Fills seen at the market and not settled yet, oldest first. */
  readonly pendingFills: readonly SagaFill[];
  readonly settledFills: ReadonlySet<string>;
  readonly filledQuantity: bigint;
  readonly cancelSent: MarketCancelCause | null;
  readonly compensationRequested: boolean;
  readonly ending: PendingEnding | null;
  readonly finished: SagaEnding | null;
}

export const initialSagaState: SagaState = {
  phase: 'NONE',
  orderId: '',
  accountId: '',
  side: 'BUY',
  instrument: '',
  quantity: 0n,
  priceMinor: 0n,
  feeMinor: 0n,
  reserveMinor: 0n,
  expiresAt: null,
  reserved: false,
  feeCharged: false,
  marketStatus: null,
  cursor: 0,
  pendingFills: [],
  settledFills: new Set(),
  filledQuantity: 0n,
  cancelSent: null,
  compensationRequested: false,
  ending: null,
  finished: null,
};

export function evolveSaga(state: SagaState, event: OrderSagaEvent): SagaState {
  switch (event.type) {
    case 'OrderSagaStarted':
      return { ...initialSagaState, ...event.data, phase: 'STARTED' };
    case 'OrderSagaReserved':
      return { ...state, phase: 'RESERVED', reserved: true };
    case 'OrderSagaFeeCharged':
      return { ...state, phase: 'FEE_CHARGED', feeCharged: true };
    case 'OrderSagaSubmitUnconfirmed':
      return { ...state, phase: 'UNCONFIRMED' };
    case 'OrderSagaSubmitted':
      return { ...state, phase: 'AT_MARKET', marketStatus: state.marketStatus ?? 'OPEN' };
    case 'OrderSagaMarketPolled': {
      const known = new Set([
        ...state.settledFills,
        ...state.pendingFills.map((fill) => fill.fillId),
      ]);
      const fresh = event.data.fills.filter((fill) => !known.has(fill.fillId));
      return {
        ...state,
        marketStatus: event.data.status,
        cursor: Math.max(state.cursor, event.data.nextCursor),
        pendingFills: [...state.pendingFills, ...fresh],
      };
    }
    case 'OrderSagaFillSettled': {
      const fill = state.pendingFills.find((pending) => pending.fillId === event.data.fillId);
      return {
        ...state,
        pendingFills: state.pendingFills.filter((pending) => pending !== fill),
        settledFills: new Set(state.settledFills).add(event.data.fillId),
        filledQuantity: state.filledQuantity + (fill?.quantity ?? 0n),
      };
    }
    case 'OrderSagaMarketCancelSent':
      return { ...state, cancelSent: event.data.cause };
    case 'OrderSagaCompensationRequested':
      return { ...state, compensationRequested: true };
    case 'OrderSagaEnding': {
      const { status, reason, forced } = event.data;
      return { ...state, ending: { status, reason, forced } };
    }
    case 'OrderSagaFinished':
      return { ...state, phase: 'FINISHED', finished: event.data.status };
  }
}

/** The saga records what it learnt; a repeat of something already recorded is a no-op. */
export type SagaCommand = { readonly type: 'Record'; readonly event: OrderSagaEvent };

/** Events that move the saga to a later phase: each is recorded once. */
const PHASE_OF: Partial<Record<OrderSagaEvent['type'], SagaPhase>> = {
  OrderSagaStarted: 'STARTED',
  OrderSagaReserved: 'RESERVED',
  OrderSagaFeeCharged: 'FEE_CHARGED',
  OrderSagaSubmitUnconfirmed: 'UNCONFIRMED',
  OrderSagaSubmitted: 'AT_MARKET',
};
const PHASE_ORDER: readonly SagaPhase[] = [
  'NONE',
  'STARTED',
  'RESERVED',
  'FEE_CHARGED',
  'UNCONFIRMED',
  'AT_MARKET',
  'FINISHED',
];

function isRecorded(event: OrderSagaEvent, state: SagaState): boolean {
  const phase = PHASE_OF[event.type];
  if (phase !== undefined) return PHASE_ORDER.indexOf(state.phase) >= PHASE_ORDER.indexOf(phase);
  switch (event.type) {
    case 'OrderSagaMarketPolled': {
      const known = (fillId: string): boolean =>
        state.settledFills.has(fillId) || state.pendingFills.some((fill) => fill.fillId === fillId);
      return (
        event.data.nextCursor <= state.cursor &&
        event.data.status === state.marketStatus &&
        event.data.fills.every((fill) => known(fill.fillId))
      );
    }
    case 'OrderSagaFillSettled':
      return state.settledFills.has(event.data.fillId);
    case 'OrderSagaMarketCancelSent':
      return state.cancelSent !== null;
    case 'OrderSagaCompensationRequested':
      return state.compensationRequested;
    // The first decided ending holds: a later one (an admin's) must not overrule it.
    case 'OrderSagaEnding':
      return state.ending !== null && !event.data.forced;
    default:
      return false;
  }
}

/** What only a started saga can have learnt; an ending may come first (an order cancelled early). */
const NEEDS_START: ReadonlySet<OrderSagaEvent['type']> = new Set([
  'OrderSagaReserved',
  'OrderSagaFeeCharged',
  'OrderSagaSubmitted',
  'OrderSagaSubmitUnconfirmed',
  'OrderSagaMarketPolled',
  'OrderSagaFillSettled',
  'OrderSagaMarketCancelSent',
]);

export function decideSaga(command: SagaCommand, state: SagaState): Decision<OrderSagaEvent> {
  const { event } = command;
  if (state.phase === 'NONE' && NEEDS_START.has(event.type)) {
    return reject('NOT_FOUND', `No placement saga for order ${event.data.orderId}`);
  }
  // A step repeated after the end (a redelivery, a replay) has nothing left to record.
  if (state.phase === 'FINISHED' || isRecorded(event, state)) return alreadyDone();
  return accept(event);
}

/** What the saga does next. `wait` and `done` end a turn. */
export type SagaAction =
  | { readonly kind: 'start' }
  | { readonly kind: 'reserve' }
  | { readonly kind: 'chargeFee' }
  | { readonly kind: 'submit' }
  /** Cancel at the market after a submit without an answer: `not-placed` proves it never traded. */
  | { readonly kind: 'confirmUnplaced' }
  | { readonly kind: 'poll' }
  | { readonly kind: 'settle'; readonly fill: SagaFill }
  | { readonly kind: 'cancelAtMarket'; readonly cause: MarketCancelCause }
  | { readonly kind: 'finish'; readonly ending: PendingEnding }
  | { readonly kind: 'done' };

/** The order status a market close leads to, by what closed it. */
function endingOfClosedMarket(state: SagaState): PendingEnding {
  if (state.filledQuantity === state.quantity) {
    return { status: 'COMPLETED', reason: '', forced: false };
  }
  if (state.marketStatus === 'EXPIRED' || state.cancelSent === 'EXPIRY') {
    return { status: 'EXPIRED', reason: 'time in force elapsed', forced: false };
  }
  switch (state.cancelSent) {
    case 'CUSTOMER':
      return { status: 'CANCELLED', reason: 'cancelled by customer', forced: false };
    case 'ADMIN':
      return { status: 'FAILED', reason: 'compensated by an admin', forced: false };
    default:
      return { status: 'FAILED', reason: 'the market gave no answer to the order', forced: false };
  }
}

function isDue(expiresAt: string | null, nowMs: number): boolean {
  return expiresAt !== null && nowMs >= Date.parse(expiresAt);
}

/** The order's own terminal status, taken as the saga's ending before it reached the market. */
function endingOfTerminalOrder(order: OrderState): PendingEnding {
  return {
    status: order.status as SagaEnding,
    reason: order.reason ?? 'order ended outside the saga',
    forced: false,
  };
}

function atMarketAction(state: SagaState, order: OrderState, nowMs: number): SagaAction {
  const [nextFill] = state.pendingFills;
  if (nextFill) return { kind: 'settle', fill: nextFill };
  if (state.marketStatus !== 'OPEN') return { kind: 'finish', ending: endingOfClosedMarket(state) };
  if (state.cancelSent === null) {
    if (order.cancellationReason !== null) return { kind: 'cancelAtMarket', cause: 'CUSTOMER' };
    if (state.compensationRequested) return { kind: 'cancelAtMarket', cause: 'ADMIN' };
    if (isDue(state.expiresAt, nowMs)) return { kind: 'cancelAtMarket', cause: 'EXPIRY' };
  }
  return { kind: 'poll' };
}

export function nextAction(state: SagaState, order: OrderState, nowMs: number): SagaAction {
  if (state.phase === 'FINISHED') return { kind: 'done' };
  if (state.ending) return { kind: 'finish', ending: state.ending };
  switch (state.phase) {
    case 'AT_MARKET':
      return atMarketAction(state, order, nowMs);
    case 'UNCONFIRMED':
      return { kind: 'confirmUnplaced' };
    default:
      break;
  }
  // Not at the market yet: a cancel (or any other end of the order) stops the saga here.
  if (isTerminal(order)) return { kind: 'finish', ending: endingOfTerminalOrder(order) };
  if (state.compensationRequested) {
    return {
      kind: 'finish',
      ending: { status: 'FAILED', reason: 'compensated by an admin', forced: false },
    };
  }
  switch (state.phase) {
    case 'NONE':
      return { kind: 'start' };
    case 'STARTED':
      return { kind: 'reserve' };
    case 'RESERVED':
      return { kind: 'chargeFee' };
    default:
      return { kind: 'submit' };
  }
}

/** Whether a turn that ends on this action has to come back at the next poll. */
export function restsAtMarket(state: SagaState): boolean {
  return state.phase === 'AT_MARKET' && state.marketStatus === 'OPEN';
}
