import { afterAll, afterEach, beforeAll, beforeEach } from 'vitest';

/** How long a fixture lives: the spec file's tests share it, or each test has its own. */
export type FixtureScope = 'file' | 'test';

/**
 * Opens what `open` gives before the scope's tests and closes it after them; the answer
 * reads it. Registered where it is called, so a fixture called first in a file is opened
 * before that file's own hooks run and closed after theirs.
 */
export function useFixture<T>(
  scope: FixtureScope,
  open: () => Promise<T>,
  close: (value: T) => Promise<void>,
): () => T {
  let value: T | undefined;
  const [before, after] = scope === 'file' ? [beforeAll, afterAll] : [beforeEach, afterEach];
  before(async () => {
    value = await open();
  });
  after(async () => {
    const opened = value;
    value = undefined;
    if (opened !== undefined) await close(opened);
  });
  return () => {
    if (value === undefined) throw new Error('a fixture was read outside the tests it serves');
    return value;
  };
}
