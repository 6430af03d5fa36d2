/** The application's PostgreSQL pool (read models, idempotency; events too on the PostgreSQL store). */
export const DATABASE_POOL = Symbol('DATABASE_POOL');

/**
 * The ReadPool the views' queries run on: a streaming replica's (DATABASE_READ_URL), else
 * DATABASE_POOL itself. Whatever writes, or must see the newest commit, uses DATABASE_POOL.
 */
export const READ_DATABASE_POOL = Symbol('READ_DATABASE_POOL');
