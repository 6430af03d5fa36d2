import { describe, expect, it } from 'vitest';
import { type Position } from '../../event-store/position.js';
import { LiveProjectors } from './checkpoint-wait.js';
import { type Checkpoint, type CheckpointsRepository } from './checkpoints.repository.js';

const at = (commit: number): Position => ({ commit: BigInt(commit), prepare: 0n });
const BOUNDS = { maxMs: 400, stillMs: 60, pollMs: 5 };

/** Checkpoints that stand where `where` says, read by read. */
function checkpoints(where: (read: number) => number): {
  repository: CheckpointsRepository;
  reads: () => number;
} {
  let reads = 0;
  const readAll = (names: readonly string[]) => {
    const position = at(where(reads++));
    return Promise.resolve(
      new Map<string, Checkpoint>(
        names.map((name) => [name, { position, status: 'running', lastError: null }]),
      ),
    );
  };
  return { repository: { readAll } as unknown as CheckpointsRepository, reads: () => reads };
}

async function timed(work: () => Promise<void>): Promise<number> {
  const started = Date.now();
  await work();
  return Date.now() - started;
}

describe('a rebuild giving way to the live projectors', () => {
  it('goes on at once when they are at the head', async () => {
    const { repository, reads } = checkpoints(() => 10);
    const live = new LiveProjectors(repository, ['accounts', 'orders'], BOUNDS);
    await live.giveWay(at(10));
    expect(reads()).toBe(1);
  });

  it('waits while they move towards the head, until they reach it', async () => {
    const { repository, reads } = checkpoints((read) => read);
    const live = new LiveProjectors(repository, ['accounts'], BOUNDS);
    await live.giveWay(at(8));
    expect(reads()).toBe(9);
  });

  it('waits no longer than the bound for projectors that keep moving but never get there', async () => {
    const { repository } = checkpoints((read) => read);
    const live = new LiveProjectors(repository, ['accounts'], BOUNDS);
    const waited = await timed(() => live.giveWay(at(1_000_000)));
    expect(waited).toBeGreaterThanOrEqual(BOUNDS.maxMs);
    expect(waited).toBeLessThan(BOUNDS.maxMs + 200);
  });

  it('stops waiting for checkpoints that stand still, and does not wait for them again', async () => {
    const { repository, reads } = checkpoints(() => 3);
    const live = new LiveProjectors(repository, ['accounts'], BOUNDS);
    const first = await timed(() => live.giveWay(at(10)));
    expect(first).toBeGreaterThanOrEqual(BOUNDS.stillMs);
    expect(first).toBeLessThan(BOUNDS.maxMs);
    const readsBefore = reads();
    await live.giveWay(at(10));
    expect(reads() - readsBefore).toBe(1);
  });
});
