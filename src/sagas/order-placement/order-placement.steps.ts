import { type AccountCommand, accountDecider } from '../../domain/account.decider.js';
import { type HoldingCommand, holdingDecider } from '../../domain/holding.decider.js';
import {
  type OrderCommand,
  type OrderState,
  isTerminal,
  orderDecider,
} from '../../domain/order.decider.js';
import { type Rejection } from '../../domain/rejection.js';
import { type Decider } from '../../domain/decider.js';
import { type DomainEvent } from '../../events/event-catalog.js';
import {
  type MarketCancelCause,
  type OrderSagaEvent,
  type SagaEnding,
  type SagaFill,
} from '../../events/order-saga.events.js';
import {
  accountStream,
  holdingStream,
  orderSagaStream,
  orderStream,
} from '../../events/stream-names.js';
import { type AggregateStore, type CommandOutcome } from '../../commands/aggregate-store.js';
import { CommandRejectedError } from '../../shared/ledger-errors.js';
import { type CommandContext } from '../../commands/command-context.js';
import { deterministicUuid } from '../../commands/deterministic-id.js';
import { type Clock } from '../../infrastructure/resilience/clock.js';
import { CORRELATION_ATTRIBUTE, inSpan } from '../../infrastructure/telemetry/tracing.js';
import { type FeeSchedule } from '../../market/fee-schedule.js';
import {
  type MarketGateway,
  type MarketOrderRequest,
  MarketUnavailableError,
} from '../../market/market-gateway.port.js';
import {
  type PendingEnding,
  type SagaAction,
  type SagaState,
  sagaDecider,
} from './order-placement.saga.js';

const SAGA_USER = 'system:order-saga';
const BPS_PER_UNIT = 10_000n;

/** What a step's commands and records need of the saga: its order, whom it acts for, and in which chain of work. */
type Acting = Pick<SagaState, 'orderId' | 'initiatorId' | 'correlationId'>;

/** An order the saga cannot go on with until someone looks at it (then it is parked). */
export class SagaStepError extends Error {}

export interface StepOptions {
  readonly marketBuyCollarBps: number;
}

function rejectionReason(rejection: Rejection): string {
  return `${rejection.code}: ${rejection.message}`;
}

/**
 * Carries out the saga's actions: commands to the aggregates and calls to the market,
 * then records what happened on the saga's stream. Every command's id derives from the
 * order and the step (and the fill), so a step repeated after a crash or a redelivery
 * finds its effect already in the stream and does nothing: the effects check and the
 * deciders' own once-per-order rules make charging, refunding, reserving or settling
 * twice impossible. Each method returns the saga's state after the step (what its
 * records left on the saga's stream): the runner carries that state on to the next
 * action instead of reading the stream again. Null: the saga waits for its next look at
 * the market (it learnt nothing new, or the market did not know the order and is to be
 * asked again); the next turn reads the stream afresh.
 */
export class OrderPlacementSteps {
  constructor(
    private readonly aggregates: AggregateStore,
    private readonly market: MarketGateway,
    private readonly fees: FeeSchedule,
    private readonly clock: Clock,
    private readonly options: StepOptions,
  ) {}

  /**
   * Carries out one action of nextAction's: the saga's state after it, or null to wait for
   * the next look. Each in a span of its own, under which its commands' appends hang.
   */
  async perform(
    action: Exclude<SagaAction, { kind: 'done' }>,
    state: SagaState,
    order: OrderState,
  ): Promise<SagaState | null> {
    const saga = await this.withInitiator(state, order);
    return inSpan(
      `saga step ${action.kind}`,
      () => ({
        'ledger.order_id': order.orderId,
        [CORRELATION_ATTRIBUTE]: saga.correlationId ?? order.orderId,
      }),
      () => this.performAs(action, saga, order),
    );
  }

  private performAs(
    action: Exclude<SagaAction, { kind: 'done' }>,
    saga: SagaState,
    order: OrderState,
  ): Promise<SagaState | null> {
    switch (action.kind) {
      case 'start':
        return this.start(saga, order);
      case 'reserve':
        return this.reserve(saga);
      case 'chargeFee':
        return this.chargeFee(saga);
      case 'submit':
        return this.submit(saga, order);
      case 'confirmUnplaced':
        return this.confirmUnplaced(saga);
      case 'poll':
        return this.poll(saga);
      case 'confirmLost':
        return this.confirmLost(saga);
      case 'settle':
        return this.settle(saga, action.fill);
      case 'cancelAtMarket':
        return this.cancelAtMarket(saga, action.cause);
      case 'finish':
        return this.finish(saga, order, action.ending);
    }
  }

  /** The saga acts, on behalf of the customer who placed the order (when known). */
  private context(
    { orderId, initiatorId, correlationId }: Acting,
    ...step: string[]
  ): CommandContext {
    return {
      commandId: deterministicUuid('order-saga', orderId, ...step),
      correlationId: correlationId ?? orderId,
      causationId: `${orderSagaStream(orderId)}:${step.join(':')}`,
      userId: SAGA_USER,
      ...(initiatorId === null ? {} : { initiatorId }),
      now: new Date(this.clock.nowMs()).toISOString(),
    };
  }

  /**
   * The saga as it acts: on behalf of the customer who placed the order, in the chain of
   * work of the request that placed it. Once started, its state knows both
   * (OrderSagaStarted records them); before that (the start itself, or an order cancelled
   * before the saga started), and for sagas started before they were recorded, the order
   * stream's first event (OrderPlaced) names them in its metadata.
   */
  private async withInitiator(saga: SagaState, order: OrderState): Promise<SagaState> {
    if (saga.initiatorId !== null && saga.correlationId !== null) return saga;
    const placed = await this.aggregates.creationOf(orderStream(order.orderId));
    const initiatorId = placed === undefined || placed.userId === '' ? null : placed.userId;
    const correlationId =
      placed === undefined || placed.correlationId === '' ? null : placed.correlationId;
    // Before the start the saga's state knows no order id yet: the order's own is the same.
    return { ...saga, orderId: order.orderId, initiatorId, correlationId };
  }

  private async run<C, S, E extends DomainEvent>(
    streamId: string,
    decider: Decider<C, S, E>,
    command: NoInfer<C>,
    context: CommandContext,
  ): Promise<S> {
    const written = await this.aggregates.execute(streamId, decider, () => command, context);
    return written.state;
  }

  /** As `run`, for a command the domain may refuse: the refusal is an answer, not an error. */
  private attempt<C, S, E extends DomainEvent>(
    streamId: string,
    decider: Decider<C, S, E>,
    command: NoInfer<C>,
    context: CommandContext,
  ): Promise<CommandOutcome<S>> {
    return this.aggregates.tryExecute(streamId, decider, () => command, context);
  }

  /** Records on the saga's stream (once per step): the saga's state after it. */
  record(saga: Acting, event: OrderSagaEvent, ...step: string[]): Promise<SagaState> {
    return this.run(
      orderSagaStream(saga.orderId),
      sagaDecider,
      { type: 'Record', event },
      this.context(saga, 'record', event.type, ...step),
    );
  }

  /** Prices the order once (limit, or the last price) and records the fee and the reservation. */
  async start(saga: Acting, order: OrderState): Promise<SagaState> {
    const { orderId, side, instrument, quantity, limitPriceMinor, currency } = order;
    const priceMinor = limitPriceMinor ?? (await this.lastPrice(instrument));
    const fee = this.fees.quote({ currency, quantity, priceMinor });
    const collarMinor =
      limitPriceMinor === null
        ? (fee.notionalMinor * BigInt(this.options.marketBuyCollarBps) + BPS_PER_UNIT - 1n) /
          BPS_PER_UNIT
        : 0n;
    const reserveMinor = side === 'BUY' ? fee.notionalMinor + collarMinor + fee.feeMinor : 0n;
    return this.record(saga, {
      type: 'OrderSagaStarted',
      data: {
        orderId,
        accountId: order.accountId,
        side,
        instrument,
        quantity,
        priceMinor,
        feeMinor: fee.feeMinor,
        reserveMinor,
        expiresAt: order.expiresAt,
        ...(saga.initiatorId === null ? {} : { initiatorId: saga.initiatorId }),
        ...(saga.correlationId === null ? {} : { correlationId: saga.correlationId }),
      },
    });
  }

  private async lastPrice(symbol: string): Promise<bigint> {
    const quote = await this.market.getInstrument(symbol);
    if (!quote) throw new SagaStepError(`The market does not list ${symbol}`);
    return quote.priceMinor;
  }

  async reserve(saga: SagaState): Promise<SagaState> {
    const { orderId } = saga;
    const context = this.context(saga, 'reserve');
    return this.refusable(saga, 'REJECTED', 'OrderSagaReserved', () =>
      saga.side === 'BUY'
        ? this.attempt(
            accountStream(saga.accountId),
            accountDecider,
            { type: 'ReserveCash', orderId, amountMinor: saga.reserveMinor },
            context,
          )
        : this.attempt(
            holdingStream(saga.accountId, saga.instrument),
            holdingDecider,
            { type: 'ReserveShares', orderId, quantity: saga.quantity },
            context,
          ),
    );
  }

  async chargeFee(saga: SagaState): Promise<SagaState> {
    const { orderId } = saga;
    return this.refusable(saga, 'REJECTED', 'OrderSagaFeeCharged', () =>
      this.attempt(
        accountStream(saga.accountId),
        accountDecider,
        {
          type: 'ChargeFee',
          orderId,
          paymentId: deterministicUuid('fee', orderId),
          amountMinor: saga.feeMinor,
        },
        this.context(saga, 'charge-fee'),
      ),
    );
  }

  /** Runs a command the domain may refuse: a refusal ends the saga, anything else records `done`. */
  private async refusable(
    saga: SagaState,
    status: SagaEnding,
    done: 'OrderSagaReserved' | 'OrderSagaFeeCharged',
    command: () => Promise<CommandOutcome<unknown>>,
  ): Promise<SagaState> {
    const { orderId } = saga;
    const outcome = await command();
    if (outcome.outcome === 'rejected') {
      return this.end(saga, {
        status,
        reason: rejectionReason(outcome.rejection),
        forced: false,
      });
    }
    return this.record(saga, { type: done, data: { orderId } });
  }

  end(saga: Acting, ending: PendingEnding): Promise<SagaState> {
    const { orderId } = saga;
    return this.record(
      saga,
      { type: 'OrderSagaEnding', data: { orderId, ...ending } },
      ending.forced ? 'forced' : 'decided',
    );
  }

  /**
   * Accepts the order on its stream, then sends it. Accepting first closes the race with
   * a cancel: from then on a cancel is a request the saga carries to the market, and an
   * order that was cancelled just before is never sent.
   */
  async submit(saga: SagaState, order: OrderState): Promise<SagaState> {
    const { orderId } = saga;
    const accepted = await this.attempt(
      orderStream(orderId),
      orderDecider,
      { type: 'AcceptOrder' },
      this.context(saga, 'accept'),
    );
    if (accepted.outcome === 'rejected') {
      // Cancelled (or otherwise ended) before it could be sent: the next action compensates.
      if (accepted.rejection.code === 'ORDER_NOT_ACTIVE') return saga;
      throw new CommandRejectedError(accepted.rejection);
    }
    let outcome;
    try {
      outcome = await this.market.submitOrder(marketRequest(order));
    } catch (error) {
      if (!(error instanceof MarketUnavailableError)) throw error;
      return this.record(saga, {
        type: 'OrderSagaSubmitUnconfirmed',
        data: { orderId, reason: error.message },
      });
    }
    if (outcome.kind === 'accepted') {
      return this.record(saga, { type: 'OrderSagaSubmitted', data: { orderId } });
    }
    const expired = outcome.code === 'EXPIRED_ON_ARRIVAL';
    return this.end(saga, {
      status: expired ? 'EXPIRED' : 'FAILED',
      reason: expired
        ? 'time in force elapsed'
        : `market rejected the order: ${outcome.code}: ${outcome.message}`,
      forced: false,
    });
  }

  /**
   * After a submit without an answer: a cancel either finds the order (it did arrive, and
   * is followed like any other) or makes the market refuse it for good (`not-placed`).
   */
  async confirmUnplaced(saga: SagaState): Promise<SagaState> {
    const { orderId } = saga;
    const outcome = await this.market.cancelOrder(orderId);
    if (outcome.kind === 'not-placed') {
      return this.end(saga, {
        status: 'FAILED',
        reason: 'the market did not answer in time; the order was withdrawn',
        forced: false,
      });
    }
    await this.record(saga, {
      type: 'OrderSagaMarketCancelSent',
      data: { orderId, cause: 'UNCONFIRMED' },
    });
    return this.record(saga, { type: 'OrderSagaSubmitted', data: { orderId } });
  }

  /**
   * Asks the market for the order's fills since the last look. No such order at the
   * market is an answer too: it is recorded (the saga confirms it after
   * MARKET_MISSES_TO_CONFIRM of them), and the saga waits for its next look as after a
   * quiet one (null).
   */
  async poll(saga: SagaState): Promise<SagaState | null> {
    const { orderId } = saga;
    const page = await this.market.pollFills(orderId, saga.cursor);
    if (!page) {
      const misses = saga.marketMisses + 1;
      await this.record(
        saga,
        { type: 'OrderSagaMarketOrderMissing', data: { orderId, misses } },
        String(saga.missesSeen + 1),
      );
      return null;
    }
    // A closed order's fills may span pages: it counts as closed once the last page is in.
    const status = page.hasMore ? 'OPEN' : page.status;
    const news = page.fills.length > 0 || status !== saga.marketStatus || saga.marketMisses > 0;
    if (!news) return null;
    const fills: SagaFill[] = page.fills.map(({ fillId, quantity, priceMinor }) => ({
      fillId,
      quantity,
      priceMinor,
    }));
    return this.record(
      saga,
      {
        type: 'OrderSagaMarketPolled',
        data: { orderId, fills, status, nextCursor: page.nextCursor },
      },
      String(page.nextCursor),
      status,
      // Seen again after misses: a record of its own, though the page may repeat an earlier one.
      ...(saga.marketMisses > 0 ? ['after-misses', String(saga.missesSeen)] : []),
    );
  }

  /**
   * After polls found no such order: a cancel either confirms that the market does not
   * know it (`not-placed`: the market now refuses the order id for good, so it can never
   * trade, and the saga compensates) or finds it after all. Then what was left of it is
   * cancelled, and a poll at once shows its fills and its close.
   */
  async confirmLost(saga: SagaState): Promise<SagaState | null> {
    const { orderId } = saga;
    const outcome = await this.market.cancelOrder(orderId);
    if (outcome.kind === 'not-placed') {
      return this.record(saga, { type: 'OrderSagaMarketOrderLost', data: { orderId } });
    }
    const cancelled = await this.record(saga, {
      type: 'OrderSagaMarketCancelSent',
      data: { orderId, cause: 'LOST' },
    });
    return this.poll(cancelled);
  }

  /** One fill: the order records it, cash moves at the fill's price, the shares move. */
  async settle(saga: SagaState, fill: SagaFill): Promise<SagaState> {
    const { orderId, accountId, side, instrument } = saga;
    const { fillId, quantity, priceMinor } = fill;
    const amountMinor = quantity * priceMinor;
    const context = this.context(saga, 'settle', fillId);
    await this.run(
      orderStream(orderId),
      orderDecider,
      { type: 'RecordFill', fillId, quantity, priceMinor },
      context,
    );
    await this.run(
      accountStream(accountId),
      accountDecider,
      {
        type: 'SettleTradeCash',
        orderId,
        fillId,
        paymentId: deterministicUuid('trade', orderId, fillId),
        side,
        amountMinor,
      },
      context,
    );
    const shares: HoldingCommand =
      side === 'BUY'
        ? { type: 'AcquireShares', orderId, fillId, quantity, costMinor: amountMinor }
        : { type: 'DisposeShares', orderId, fillId, quantity, proceedsMinor: amountMinor };
    await this.run(holdingStream(accountId, instrument), holdingDecider, shares, context);
    return this.record(saga, { type: 'OrderSagaFillSettled', data: { orderId, fillId } }, fillId);
  }

  async cancelAtMarket(saga: SagaState, cause: MarketCancelCause): Promise<SagaState> {
    const { orderId } = saga;
    // Whatever the answer (cancelled, already closed), the next poll shows how the order closed.
    await this.market.cancelOrder(orderId);
    return this.record(saga, { type: 'OrderSagaMarketCancelSent', data: { orderId, cause } });
  }

  /**
   * Compensates and ends: the unused reservation is released, the fee refunded when
   * nothing traded, the order takes its terminal status and leaves its account's open
   * orders. Release and refund run whatever the saga's phase: a crash may have left a
   * reservation or a fee the saga never recorded, and both are no-ops when there is none.
   */
  async finish(saga: SagaState, order: OrderState, ending: PendingEnding): Promise<SagaState> {
    const { orderId, accountId } = saga.phase === 'NONE' ? order : saga;
    const side = saga.phase === 'NONE' ? order.side : saga.side;
    const instrument = saga.phase === 'NONE' ? order.instrument : saga.instrument;
    await this.releaseReservation(saga, accountId, side, instrument);
    if (ending.status !== 'COMPLETED' && order.filledQuantity === 0n) {
      await this.accountCommand(
        accountId,
        { type: 'RefundFee', orderId, paymentId: deterministicUuid('fee-refund', orderId) },
        this.context(saga, 'refund-fee'),
      );
    }
    let final = order;
    if (final.status !== 'NONE' && !isTerminal(final)) {
      final = await this.run(
        orderStream(orderId),
        orderDecider,
        terminalCommand(ending, final, this.clock.nowMs()),
        this.context(saga, 'end', ending.status),
      );
    }
    await this.accountCommand(
      accountId,
      { type: 'CloseAccountOrder', orderId },
      this.context(saga, 'close'),
    );
    const status = isTerminal(final) ? (final.status as SagaEnding) : ending.status;
    return this.record(saga, {
      type: 'OrderSagaFinished',
      data: {
        orderId,
        status,
        reason: status === 'COMPLETED' ? null : (final.reason ?? ending.reason),
      },
    });
  }

  private async releaseReservation(
    saga: Acting,
    accountId: string,
    side: SagaState['side'],
    instrument: string,
  ): Promise<void> {
    const { orderId } = saga;
    const context = this.context(saga, 'release');
    if (side === 'BUY') {
      await this.accountCommand(accountId, { type: 'ReleaseCash', orderId }, context);
    } else {
      await this.run(
        holdingStream(accountId, instrument),
        holdingDecider,
        { type: 'ReleaseShares', orderId },
        context,
      );
    }
  }

  /** A closed account holds no cash and no reservation: there is nothing left to move on it. */
  private async accountCommand(
    accountId: string,
    command: AccountCommand,
    context: CommandContext,
  ): Promise<void> {
    const outcome = await this.attempt(accountStream(accountId), accountDecider, command, context);
    if (outcome.outcome === 'rejected' && outcome.rejection.code !== 'ACCOUNT_CLOSED') {
      throw new CommandRejectedError(outcome.rejection);
    }
  }
}

function terminalCommand(ending: PendingEnding, order: OrderState, nowMs: number): OrderCommand {
  switch (ending.status) {
    case 'COMPLETED':
      return { type: 'CompleteOrder' };
    case 'REJECTED':
      return order.status === 'PLACED'
        ? { type: 'RejectOrder', reason: ending.reason }
        : { type: 'FailOrder', reason: ending.reason };
    case 'CANCELLED':
      return { type: 'ConfirmCancellation' };
    case 'EXPIRED': {
      // The market's clock said it expired: never earlier than the order's own expiry.
      const expiresMs = order.expiresAt === null ? nowMs : Date.parse(order.expiresAt);
      return { type: 'ExpireOrder', now: new Date(Math.max(nowMs, expiresMs)).toISOString() };
    }
    case 'FAILED':
      return { type: 'FailOrder', reason: ending.reason };
  }
}

export function marketRequest(order: OrderState): MarketOrderRequest {
  return {
    orderId: order.orderId,
    accountId: order.accountId,
    instrument: order.instrument,
    side: order.side,
    orderType: order.orderType,
    quantity: order.quantity,
    limitPriceMinor: order.limitPriceMinor,
    expiresAt: order.expiresAt,
  };
}
