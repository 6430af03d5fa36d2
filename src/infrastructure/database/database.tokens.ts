/** The application's PostgreSQL pool (read models, idempotency; events too on the PostgreSQL store). */
export const DATABASE_POOL = Symbol('DATABASE_POOL');
