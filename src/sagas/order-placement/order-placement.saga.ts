import { type Decider, type Decision, accept, alreadyDone, reject } from '../../domain/decider.js';
import { type OrderState, isTerminal } from '../../domain/order.decider.js';
import {
  type MarketCancelCause,
  type MarketOrderState,
  type OrderSagaEvent,
  type SagaEnding,
  type SagaFill,
} from '../../events/order-saga.events.js';
import { type OrderSide } from '../../domain/order.events.js';

/**
 * The order placement saga as pure functions: its state folds from its own stream
 * (`evolveSaga`), what it records is checked by `decideSaga`, and `nextAction` says
 * what to do next from that state and the order's. Nothing here does I/O or reads a clock.
 */

/** The order's reason when an admin's compensation ended it. */
const ADMIN_REASON = 'compensated by an admin';

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
  /** Polls in a row that found no such order at the market. */
  readonly marketMisses: number;
  /** Such polls ever: names each one's record apart from the others. */
  readonly missesSeen: number;
  /** The market confirmed it does not know the order (and refuses it for good). */
  readonly marketLost: boolean;
  readonly compensationRequested: boolean;
  readonly ending: PendingEnding | null;
  readonly finished: SagaEnding | null;
  /** The customer who placed the order, for whom the saga acts; null before its start is recorded. */
  readonly initiatorId: string | null;
  /** The correlation id of the request that placed the order; null before its start is recorded. */
  readonly correlationId: string | null;
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
  marketMisses: 0,
  missesSeen: 0,
  marketLost: false,
  compensationRequested: false,
  ending: null,
  finished: null,
  initiatorId: null,
  correlationId: null,
};

export function evolveSaga(state: SagaState, event: OrderSagaEvent): SagaState {
  switch (event.type) {
    case 'OrderSagaStarted':
      return {
        ...initialSagaState,
        ...event.data,
        initiatorId: event.data.initiatorId ?? null,
        correlationId: event.data.correlationId ?? null,
        phase: 'STARTED',
      };
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
        marketMisses: 0,
      };
    }
    case 'OrderSagaMarketOrderMissing':
      return { ...state, marketMisses: event.data.misses, missesSeen: state.missesSeen + 1 };
    case 'OrderSagaMarketOrderLost':
      return { ...state, marketLost: true };
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

/**
 * What the market answered to the cancel an admin's compensation sends first, when the
 * order may still be there: it never had the order (or lost it), it closed what was
 * left (now or before), or it gave no answer (`reason`: why).
 */
export type CancelAnswer =
  | { readonly kind: 'not-placed' }
  | { readonly kind: 'closed' }
  | { readonly kind: 'no-answer'; readonly reason: string };

/**
 * `Record`: the saga records what it learnt; a repeat of something already recorded is a
 * no-op. `Compensate`: an admin unwinds the saga; `market` is the answer to the cancel
 * sent first (null: none was sent).
 */
export type SagaCommand =
  | { readonly type: 'Record'; readonly event: OrderSagaEvent }
  | {
      readonly type: 'Compensate';
      readonly orderId: string;
      readonly by: string;
      readonly market: CancelAnswer | null;
    };

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
        event.data.fills.every((fill) => known(fill.fillId)) &&
        // Finding the order again after misses is news: the misses start over.
        state.marketMisses === 0
      );
    }
    case 'OrderSagaMarketOrderMissing':
      return state.marketLost || state.marketMisses >= event.data.misses;
    case 'OrderSagaMarketOrderLost':
      return state.marketLost;
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
  'OrderSagaMarketOrderMissing',
  'OrderSagaMarketOrderLost',
]);

export function decideSaga(command: SagaCommand, state: SagaState): Decision<OrderSagaEvent> {
  if (command.type === 'Compensate') return decideCompensation(command, state);
  const { event } = command;
  if (state.phase === 'NONE' && NEEDS_START.has(event.type)) {
    return reject('NOT_FOUND', `No placement saga for order ${event.data.orderId}`);
  }
  // A step repeated after the end (a redelivery, a replay) has nothing left to record.
  if (state.phase === 'FINISHED' || isRecorded(event, state)) return alreadyDone();
  return accept(event);
}

/**
 * Whether the order may still trade at the market, so that compensating it (releasing
 * what it reserved) waits for the market to cancel it: a submit without an answer, or an
 * order resting there that the market has not closed or disowned, unless the saga has
 * already decided how it ends (a refusal, or an admin's word that it is not there).
 */
/** The saga's own stream as an aggregate: its commands record what happened to the order. */
export const sagaDecider: Decider<SagaCommand, SagaState, OrderSagaEvent> = {
  initialState: initialSagaState,
  decide: decideSaga,
  evolve: evolveSaga,
};

export function compensationNeedsMarket(state: SagaState): boolean {
  if (state.ending !== null) return false;
  if (state.phase === 'UNCONFIRMED') return true;
  return state.phase === 'AT_MARKET' && state.marketStatus === 'OPEN' && !state.marketLost;
}

/**
 * An admin's compensation. Without the market's help (never sent, closed or disowned by
 * the market): it is requested, and the saga ends FAILED as soon as the fills it knows
 * of are settled. An order that may still trade needs the market's answer to the cancel
 * first: `not-placed` disowns it (no fill can come: the saga ends at once), `closed`
 * leaves its last fills to poll, and no answer refuses the compensation, writing nothing.
 */
function decideCompensation(
  command: Extract<SagaCommand, { type: 'Compensate' }>,
  state: SagaState,
): Decision<OrderSagaEvent> {
  const { orderId, by, market } = command;
  if (state.phase === 'FINISHED') return alreadyDone();
  const requested: OrderSagaEvent[] = state.compensationRequested
    ? []
    : [{ type: 'OrderSagaCompensationRequested', data: { orderId, by } }];
  if (!compensationNeedsMarket(state)) return accept(...requested);
  if (market === null || market.kind === 'no-answer') {
    const why = market === null ? 'it was not asked' : `it did not answer: ${market.reason}`;
    return reject(
      'COMPENSATION_NEEDS_MARKET',
      `Order ${orderId} may still trade at the market, and ${why}. Compensating it needs the ` +
        'market to cancel it first: nothing was changed and the saga stays parked. Compensate ' +
        'again once the market answers, or use failSaga if you know the order is not there.',
    );
  }
  const cancelSent: OrderSagaEvent[] =
    state.cancelSent === null
      ? [{ type: 'OrderSagaMarketCancelSent', data: { orderId, cause: 'ADMIN' } }]
      : [];
  if (state.phase === 'UNCONFIRMED') {
    // The submit's fate is known now: it never arrived, or it is there (and cancelled).
    return market.kind === 'not-placed'
      ? accept(...requested, {
          type: 'OrderSagaEnding',
          data: { orderId, status: 'FAILED', reason: ADMIN_REASON, forced: false },
        })
      : accept(...requested, ...cancelSent, { type: 'OrderSagaSubmitted', data: { orderId } });
  }
  return market.kind === 'not-placed'
    ? accept(...requested, ...cancelSent, { type: 'OrderSagaMarketOrderLost', data: { orderId } })
    : accept(...requested, ...cancelSent);
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
  /** Cancel at the market after polls found no such order: `not-placed` confirms it is lost. */
  | { readonly kind: 'confirmLost' }
  | { readonly kind: 'settle'; readonly fill: SagaFill }
  | { readonly kind: 'cancelAtMarket'; readonly cause: MarketCancelCause }
  | { readonly kind: 'finish'; readonly ending: PendingEnding }
  | { readonly kind: 'done' };

/**
 * Polls in a row that find no such order before the saga confirms it by a cancel: one
 * more look first, after the usual wait, so that one odd answer decides nothing.
 */
export const MARKET_MISSES_TO_CONFIRM = 2;

/**
 * The order status a market close leads to, by what closed it; an order the market lost
 * ends so too, with what filled before it (settled) standing.
 */
function endingOfClosedMarket(state: SagaState): PendingEnding {
  const ending = (status: SagaEnding, reason: string): PendingEnding => ({
    status,
    reason,
    forced: false,
  });
  if (state.filledQuantity === state.quantity) return ending('COMPLETED', '');
  if (state.marketStatus === 'EXPIRED' || state.cancelSent === 'EXPIRY') {
    return ending('EXPIRED', 'time in force elapsed');
  }
  const lost = state.marketLost ? `; ${lostReason(state)}` : '';
  switch (state.cancelSent) {
    case 'CUSTOMER':
      return ending('CANCELLED', 'cancelled by customer');
    case 'ADMIN':
      return ending('FAILED', `${ADMIN_REASON}${lost}`);
    case 'LOST':
      return ending(
        'FAILED',
        'the market lost track of the order; what was left was cancelled there',
      );
    default:
      return ending(
        'FAILED',
        state.marketLost ? lostReason(state) : 'the market gave no answer to the order',
      );
  }
}

function lostReason(state: SagaState): string {
  const filled =
    state.filledQuantity > 0n
      ? `: ${state.filledQuantity} of ${state.quantity} filled before, the rest released`
      : '';
  return `the market does not know the order${filled}`;
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
  if (state.marketStatus !== 'OPEN' || state.marketLost) {
    return { kind: 'finish', ending: endingOfClosedMarket(state) };
  }
  if (state.marketMisses >= MARKET_MISSES_TO_CONFIRM) return { kind: 'confirmLost' };
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
      ending: { status: 'FAILED', reason: ADMIN_REASON, forced: false },
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
  return state.phase === 'AT_MARKET' && state.marketStatus === 'OPEN' && !state.marketLost;
}
