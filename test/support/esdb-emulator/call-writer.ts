import { type EventEmitter } from 'node:events';

/** The part of a grpc-js server stream the emulator writes through. */
export interface WritableCall<T> extends EventEmitter {
  write(message: T): boolean;
}

/**
 * An abort signal for one call: aborted when the client cancels (or goes away) or
 * when the emulator stops, so no loop outlives its call.
 */
export function callSignal(call: EventEmitter, stopping: AbortSignal): AbortSignal {
  const controller = new AbortController();
  const abort = (): void => controller.abort();
  call.once('cancelled', abort);
  call.once('close', abort);
  if (stopping.aborted) abort();
  else stopping.addEventListener('abort', abort, { once: true });
  controller.signal.addEventListener('abort', () => stopping.removeEventListener('abort', abort), {
    once: true,
  });
  return controller.signal;
}

/**
 * Writes with flow control: when grpc-js buffers past its high-water mark, wait for
 * 'drain' before producing more, so a slow reader slows the emulator down (the real
 * server's bounded channels do the same). Resolves false once the call is gone.
 */
export async function writeMessage<T>(
  call: WritableCall<T>,
  signal: AbortSignal,
  message: T,
): Promise<boolean> {
  if (signal.aborted) return false;
  if (call.write(message)) return true;
  await new Promise<void>((resolve) => {
    const done = (): void => {
      call.off('drain', done);
      signal.removeEventListener('abort', done);
      resolve();
    };
    call.once('drain', done);
    signal.addEventListener('abort', done, { once: true });
  });
  return !signal.aborted;
}
