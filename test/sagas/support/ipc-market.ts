import { type ChildProcess } from 'node:child_process';
import {
  type CancelOutcome,
  type FillPage,
  type InstrumentQuote,
  type MarketGateway,
  type MarketOrder,
  type MarketOrderRequest,
  MarketUnavailableError,
  type SubmitOutcome,
} from '../../../src/market/market-gateway.port.js';

/**
 * The market of a crash test lives in the test process, so that it outlives the saga
 * process the test kills: the saga process reaches it over the IPC channel (advanced
 * serialization, which carries bigints).
 */
type Method =
  'submitOrder' | 'pollFills' | 'cancelOrder' | 'getOrder' | 'listInstruments' | 'getInstrument';

interface MarketRequest {
  readonly id: number;
  readonly method: Method;
  readonly args: unknown[];
}
type MarketReply =
  | { readonly id: number; readonly result: unknown }
  | { readonly id: number; readonly unavailable: string };

/** Answers a child's market calls from `market`. */
export function serveMarket(child: ChildProcess, market: MarketGateway): void {
  child.on('message', (message: MarketRequest) => {
    const call = market[message.method] as (...args: unknown[]) => Promise<unknown>;
    call.apply(market, message.args).then(
      (result) => reply(child, { id: message.id, result }),
      (error: unknown) => reply(child, { id: message.id, unavailable: String(error) }),
    );
  });
}

function reply(child: ChildProcess, message: MarketReply): void {
  // A child killed while its call was at the market is gone between the check and the
  // write (EPIPE): nobody waits for that answer any more.
  if (child.connected) child.send(message, () => undefined);
}

/** The MarketGateway of the saga process: every call goes to the test process. */
export class IpcMarketGateway implements MarketGateway {
  private nextId = 0;
  private readonly pending = new Map<
    number,
    { resolve(value: unknown): void; reject(error: Error): void }
  >();

  constructor() {
    process.on('message', (message: MarketReply) => {
      const waiting = this.pending.get(message.id);
      if (!waiting) return;
      this.pending.delete(message.id);
      if ('unavailable' in message)
        waiting.reject(new MarketUnavailableError('FAILURE', message.unavailable));
      else waiting.resolve(message.result);
    });
  }

  private call<T>(method: Method, ...args: unknown[]): Promise<T> {
    const id = this.nextId++;
    return new Promise<T>((resolve, reject) => {
      this.pending.set(id, { resolve: resolve as (value: unknown) => void, reject });
      process.send!({ id, method, args } satisfies MarketRequest);
    });
  }

  submitOrder(request: MarketOrderRequest): Promise<SubmitOutcome> {
    return this.call('submitOrder', request);
  }
  pollFills(orderId: string, after?: number): Promise<FillPage | undefined> {
    return this.call('pollFills', orderId, after);
  }
  cancelOrder(orderId: string): Promise<CancelOutcome> {
    return this.call('cancelOrder', orderId);
  }
  getOrder(orderId: string): Promise<MarketOrder | undefined> {
    return this.call('getOrder', orderId);
  }
  listInstruments(): Promise<readonly InstrumentQuote[]> {
    return this.call('listInstruments');
  }
  getInstrument(symbol: string): Promise<InstrumentQuote | undefined> {
    return this.call('getInstrument', symbol);
  }
}
