/**
 * Every problem of the configuration at once: the readers of env-values.ts report a bad
 * variable here instead of throwing while a load runs under validateEnvironment, so an
 * operator fixes them all in one round instead of one restart per variable.
 */
export class ConfigurationError extends Error {
  override readonly name = 'ConfigurationError';
  readonly code = 'CONFIGURATION_INVALID' as const;

  constructor(readonly problems: readonly string[]) {
    super(
      problems.length === 1
        ? problems[0]!
        : `${problems.length} configuration problems:\n  - ${problems.join('\n  - ')}`,
    );
  }
}

/** The problems of the validation under way; undefined outside one. */
let collecting: string[] | undefined;

/**
 * Reports a bad variable. During a validation it is recorded and `fallback` stands in
 * for the value, so that the load goes on to the next variable; outside one it throws at
 * once. Custom checks in a `load…Config(env)` use this rather than `throw`.
 */
export function reject<T>(message: string, fallback: T): T {
  if (collecting === undefined) throw new ConfigurationError([message]);
  collecting.push(message);
  return fallback;
}

function problemsOf(error: unknown): readonly string[] {
  if (error instanceof ConfigurationError) return error.problems;
  return [error instanceof Error ? error.message : String(error)];
}

/**
 * Runs `load` and throws one ConfigurationError naming every problem it reported (an
 * error it threw counts as one more). Nested calls report to the outermost, which
 * alone throws: loadConfig validates on its own, and with the market's loader at start.
 */
export function validateEnvironment<T>(load: () => T): T {
  if (collecting !== undefined) return load();
  const problems: string[] = [];
  collecting = problems;
  try {
    const loaded = load();
    if (problems.length > 0) throw new ConfigurationError(problems);
    return loaded;
  } catch (error) {
    throw error instanceof ConfigurationError && error.problems === problems
      ? error
      : new ConfigurationError([...problems, ...problemsOf(error)]);
  } finally {
    collecting = undefined;
  }
}
