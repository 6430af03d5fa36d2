import { describe, expect, it } from 'vitest';
import { CircuitBreaker, type CircuitBreakerOptions, CircuitOpenError } from './circuit-breaker.js';
import { ManualClock } from '../../../test/support/manual-clock.js';

class Outage extends Error {}
class Refusal extends Error {}

const OPTIONS: CircuitBreakerOptions = {
  failureThreshold: 3,
  coolDownMs: 1_000,
  halfOpenMaxCalls: 1,
};

function breaker(options: CircuitBreakerOptions = OPTIONS) {
  const clock = new ManualClock(0);
  const circuit = new CircuitBreaker('market', options, clock, (e) => e instanceof Outage);
  let calls = 0;
  const succeed = (): Promise<string> => circuit.execute(async () => `ok ${++calls}`);
  const fail = (): Promise<string> =>
    circuit.execute(async () => {
      calls++;
      throw new Outage('down');
    });
  const failures = async (count: number): Promise<void> => {
    for (let i = 0; i < count; i++) await fail().catch(() => undefined);
  };
  return { clock, circuit, succeed, fail, failures, calls: () => calls };
}

describe('CircuitBreaker', () => {
  it('starts closed and passes calls and their results through', async () => {
    const { circuit, succeed } = breaker();
    expect(circuit.state).toBe('CLOSED');
    await expect(succeed()).resolves.toBe('ok 1');
  });

  it('opens after failureThreshold consecutive failures', async () => {
    const { circuit, fail, failures } = breaker();
    await failures(2);
    expect(circuit.state).toBe('CLOSED');
    await expect(fail()).rejects.toBeInstanceOf(Outage);
    expect(circuit.snapshot()).toEqual({
      name: 'market',
      state: 'OPEN',
      consecutiveFailures: 3,
      openedAtMs: 0,
      retryAfterMs: 1_000,
    });
  });

  it('counts only consecutive failures: a success in between starts the count again', async () => {
    const { circuit, succeed, failures } = breaker();
    await failures(2);
    await succeed();
    await failures(2);
    expect(circuit.state).toBe('CLOSED');
    expect(circuit.snapshot().consecutiveFailures).toBe(2);
  });

  it('does not count failures the classifier does not (a refusal, a bug) and passes them on', async () => {
    const { circuit } = breaker();
    for (let i = 0; i < 10; i++) {
      await expect(
        circuit.execute(async () => {
          throw new Refusal('halted');
        }),
      ).rejects.toBeInstanceOf(Refusal);
    }
    expect(circuit.state).toBe('CLOSED');
    expect(circuit.snapshot().consecutiveFailures).toBe(0);
  });

  it('refuses calls while open without making them, saying when to come back', async () => {
    const { clock, circuit, succeed, failures, calls } = breaker();
    await failures(3);
    await clock.advance(400);
    expect(circuit.state).toBe('OPEN');
    const refused = await succeed().catch((error: unknown) => error);
    expect(refused).toBeInstanceOf(CircuitOpenError);
    expect((refused as CircuitOpenError).retryAfterMs).toBe(600);
    expect(calls()).toBe(3);
  });

  it('turns half-open after the cool-down; a successful trial closes it', async () => {
    const { clock, circuit, succeed, failures } = breaker();
    await failures(3);
    await clock.advance(999);
    expect(circuit.state).toBe('OPEN');
    await clock.advance(1);
    expect(circuit.state).toBe('HALF_OPEN');
    await expect(succeed()).resolves.toBe('ok 4');
    expect(circuit.snapshot()).toMatchObject({ state: 'CLOSED', consecutiveFailures: 0 });
  });

  it('opens again for a fresh cool-down when the trial fails', async () => {
    const { clock, circuit, fail, failures } = breaker();
    await failures(3);
    await clock.advance(1_000);
    await expect(fail()).rejects.toBeInstanceOf(Outage);
    expect(circuit.snapshot()).toMatchObject({
      state: 'OPEN',
      openedAtMs: 1_000,
      retryAfterMs: 1_000,
    });
    await clock.advance(1_000);
    expect(circuit.state).toBe('HALF_OPEN');
  });

  it('lets at most halfOpenMaxCalls trials through at once', async () => {
    const { clock, circuit, failures } = breaker({ ...OPTIONS, halfOpenMaxCalls: 2 });
    await failures(3);
    await clock.advance(1_000);
    const slow = (): Promise<string> => circuit.execute(() => clock.sleep(50).then(() => 'slow'));
    const first = slow();
    const second = slow();
    await expect(slow()).rejects.toBeInstanceOf(CircuitOpenError);
    await clock.advance(50);
    await expect(Promise.all([first, second])).resolves.toEqual(['slow', 'slow']);
    expect(circuit.state).toBe('CLOSED');
  });

  it('does not extend the cool-down for a slow call that failed after the circuit opened', async () => {
    const { clock, circuit, failures } = breaker();
    const slowFailure = circuit
      .execute(() =>
        clock.sleep(500).then(() => {
          throw new Outage('late');
        }),
      )
      .catch(() => undefined);
    await failures(3);
    await clock.advance(500);
    await slowFailure;
    expect(circuit.snapshot()).toMatchObject({ state: 'OPEN', openedAtMs: 0, retryAfterMs: 500 });
  });

  it.each([
    [{ failureThreshold: 0 }, 'failureThreshold'],
    [{ coolDownMs: -1 }, 'coolDownMs'],
    [{ halfOpenMaxCalls: 0 }, 'halfOpenMaxCalls'],
    [{ failureThreshold: 1.5 }, 'failureThreshold'],
  ])('refuses options %o', (override, field) => {
    expect(() => new CircuitBreaker('x', { ...OPTIONS, ...override }, new ManualClock())).toThrow(
      field,
    );
  });
});
