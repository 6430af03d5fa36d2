import { type HoldingEvent } from './holding.events.js';
import { divideRounded } from './money.js';
import { type Decider, type Decision, accept, alreadyDone, reject } from './decider.js';

export type HoldingCommand =
  | { type: 'ReserveShares'; orderId: string; quantity: bigint }
  | { type: 'ReleaseShares'; orderId: string }
  | { type: 'AcquireShares'; orderId: string; fillId: string; quantity: bigint; costMinor: bigint }
  | {
      type: 'DisposeShares';
      orderId: string;
      fillId: string;
      quantity: bigint;
      proceedsMinor: bigint;
    };

export interface HoldingState {
  readonly quantity: bigint;
  readonly reservedQuantity: bigint;
  /** Total cost of the shares held: averageCost = costBasisMinor / quantity. */
  readonly costBasisMinor: bigint;
  readonly reservations: ReadonlyMap<string, bigint>;
  /** Every order that ever reserved: a reservation is made once per order, even after it is used up. */
  readonly reservedOrders: ReadonlySet<string>;
  readonly fills: ReadonlySet<string>;
}

export const initialHoldingState: HoldingState = {
  quantity: 0n,
  reservedQuantity: 0n,
  costBasisMinor: 0n,
  reservations: new Map(),
  reservedOrders: new Set(),
  fills: new Set(),
};

export function availableQuantity(state: HoldingState): bigint {
  return state.quantity - state.reservedQuantity;
}

/** Average cost per share in minor units, rounded; 0 when nothing is held. */
export function averageCostMinor(state: HoldingState): bigint {
  return state.quantity === 0n ? 0n : divideRounded(state.costBasisMinor, state.quantity);
}

function insufficient(state: HoldingState, needed: bigint): Decision<HoldingEvent> {
  return reject(
    'INSUFFICIENT_HOLDINGS',
    `Available quantity ${availableQuantity(state)} is less than ${needed}`,
  );
}

type HoldingCommandOf<T extends HoldingCommand['type']> = Extract<HoldingCommand, { type: T }>;

/** Quantities and amounts no holding could ever take, whatever its state. */
function invalidInput(command: HoldingCommand): Decision<HoldingEvent> | undefined {
  if ('quantity' in command && command.quantity <= 0n) {
    return reject('VALIDATION_FAILED', 'must be greater than zero', 'quantity');
  }
  if ('costMinor' in command && command.costMinor < 0n) {
    return reject('VALIDATION_FAILED', 'must not be negative', 'cost');
  }
  if ('proceedsMinor' in command && command.proceedsMinor < 0n) {
    return reject('VALIDATION_FAILED', 'must not be negative', 'proceeds');
  }
  return undefined;
}

/** Dispatches each command to its own decision, once its input is known to be valid. */
export function decideHolding(
  command: HoldingCommand,
  state: HoldingState,
): Decision<HoldingEvent> {
  const invalid = invalidInput(command);
  if (invalid) return invalid;
  switch (command.type) {
    case 'ReserveShares':
      return reserveShares(command, state);
    case 'ReleaseShares':
      return releaseShares(command, state);
    case 'AcquireShares':
      return acquireShares(command, state);
    case 'DisposeShares':
      return disposeShares(command, state);
  }
}

function reserveShares(
  command: HoldingCommandOf<'ReserveShares'>,
  state: HoldingState,
): Decision<HoldingEvent> {
  const { orderId, quantity } = command;
  if (state.reservedOrders.has(orderId)) return alreadyDone();
  if (availableQuantity(state) < quantity) return insufficient(state, quantity);
  return accept({ type: 'SharesReserved', data: { orderId, quantity } });
}

function releaseShares(
  command: HoldingCommandOf<'ReleaseShares'>,
  state: HoldingState,
): Decision<HoldingEvent> {
  const { orderId } = command;
  const reserved = state.reservations.get(orderId);
  if (reserved === undefined) return alreadyDone();
  return accept({ type: 'ShareReservationReleased', data: { orderId, quantity: reserved } });
}

function acquireShares(
  command: HoldingCommandOf<'AcquireShares'>,
  state: HoldingState,
): Decision<HoldingEvent> {
  const { orderId, fillId, quantity, costMinor } = command;
  if (state.fills.has(fillId)) return alreadyDone();
  return accept({ type: 'SharesAcquired', data: { orderId, fillId, quantity, costMinor } });
}

function disposeShares(
  command: HoldingCommandOf<'DisposeShares'>,
  state: HoldingState,
): Decision<HoldingEvent> {
  const { orderId, fillId, quantity, proceedsMinor } = command;
  if (state.fills.has(fillId)) return alreadyDone();
  const reserved = state.reservations.get(orderId) ?? 0n;
  const fromReservationQuantity = reserved < quantity ? reserved : quantity;
  if (availableQuantity(state) < quantity - fromReservationQuantity) {
    return insufficient(state, quantity - fromReservationQuantity);
  }
  // Average cost: the shares leave with their proportional part of the cost basis;
  // the last shares take whatever is left, so rounding never strands a remainder.
  const costBasisMinor =
    quantity === state.quantity
      ? state.costBasisMinor
      : divideRounded(state.costBasisMinor * quantity, state.quantity);
  return accept({
    type: 'SharesDisposed',
    data: { orderId, fillId, quantity, fromReservationQuantity, costBasisMinor, proceedsMinor },
  });
}

function release(state: HoldingState, orderId: string, quantity: bigint): HoldingState {
  if (quantity === 0n) return state;
  const reservations = new Map(state.reservations);
  const remaining = (reservations.get(orderId) ?? 0n) - quantity;
  if (remaining === 0n) reservations.delete(orderId);
  else reservations.set(orderId, remaining);
  return { ...state, reservedQuantity: state.reservedQuantity - quantity, reservations };
}

export function evolveHolding(state: HoldingState, event: HoldingEvent): HoldingState {
  switch (event.type) {
    case 'SharesReserved':
      return {
        ...state,
        reservedQuantity: state.reservedQuantity + event.data.quantity,
        reservations: new Map(state.reservations).set(event.data.orderId, event.data.quantity),
        reservedOrders: new Set(state.reservedOrders).add(event.data.orderId),
      };
    case 'ShareReservationReleased':
      return release(state, event.data.orderId, event.data.quantity);
    case 'SharesAcquired':
      return {
        ...state,
        quantity: state.quantity + event.data.quantity,
        costBasisMinor: state.costBasisMinor + event.data.costMinor,
        fills: new Set(state.fills).add(event.data.fillId),
      };
    case 'SharesDisposed': {
      const released = release(state, event.data.orderId, event.data.fromReservationQuantity);
      return {
        ...released,
        quantity: released.quantity - event.data.quantity,
        costBasisMinor: released.costBasisMinor - event.data.costBasisMinor,
        fills: new Set(state.fills).add(event.data.fillId),
      };
    }
  }
}

export const holdingDecider: Decider<HoldingCommand, HoldingState, HoldingEvent> = {
  initialState: initialHoldingState,
  decide: decideHolding,
  evolve: evolveHolding,
};
