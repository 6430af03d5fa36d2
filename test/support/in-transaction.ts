/** The app's own transaction helper, under the name the tests' set-ups know it by. */
export { withTransaction as inTransaction } from '../../src/infrastructure/database/transaction.js';
