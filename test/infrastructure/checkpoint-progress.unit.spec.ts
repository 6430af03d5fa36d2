import { describe, expect, it } from 'vitest';
import { CheckpointProgress } from '../../src/event-store/checkpoint-progress.js';
import { type Position } from '../../src/event-store/position.js';

const at = (commit: bigint): Position => ({ commit, prepare: 0n });

describe('CheckpointProgress', () => {
  it('tells every listener of each advance until it unsubscribes', () => {
    const progress = new CheckpointProgress();
    const first: string[] = [];
    const second: string[] = [];
    const unsubscribeFirst = progress.subscribe((name, position) =>
      first.push(`${name}@${position.commit}`),
    );
    progress.subscribe((name) => second.push(name));

    progress.advanced('accounts', at(3n));
    unsubscribeFirst();
    progress.advanced('orders', at(5n));

    expect(first).toEqual(['accounts@3']);
    expect(second).toEqual(['accounts', 'orders']);
  });

  it('has nobody to tell before a listener subscribes', () => {
    expect(() => new CheckpointProgress().advanced('accounts', at(1n))).not.toThrow();
  });
});
