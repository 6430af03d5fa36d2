import { pause } from './backoff.js';

/**
 * Time as a dependency: code that waits or reads the time takes a Clock, so that tests
 * drive it with a ManualClock instead of real timers.
 */
export interface Clock {
  nowMs(): number;
  /** Resolves after `delayMs`, or early (without throwing) once `signal` aborts. */
  sleep(delayMs: number, signal?: AbortSignal): Promise<void>;
}

export const systemClock: Clock = {
  nowMs: () => Date.now(),
  sleep: pause,
};
