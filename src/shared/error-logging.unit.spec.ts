import { describe, expect, it } from 'vitest';
import { describeError, logSwallowed } from './error-logging.js';

describe('error logging', () => {
  it('describes an error by its name and message, anything else as a string', () => {
    expect(describeError(new TypeError('bad input'))).toBe('TypeError: bad input');
    expect(describeError('plain')).toBe('plain');
    expect(describeError(undefined)).toBe('undefined');
  });

  it('logs a swallowed failure as one warning with what was given up, without the stack', () => {
    const warnings: string[] = [];
    const swallow = logSwallowed({ warn: (message: string) => warnings.push(message) }, 'NOTIFY');
    const error = new Error('connection reset');
    expect(swallow(error)).toBeUndefined();
    expect(warnings).toEqual(['NOTIFY failed (going on without it): Error: connection reset']);
    expect(warnings[0]).not.toContain(error.stack!.split('\n')[1]!);
  });
});
