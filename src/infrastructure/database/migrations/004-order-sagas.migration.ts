import { type Migration } from '../migrator.js';

/**
 * The order placement saga's bookkeeping; its state is its own event stream. One row per
 * order: when it next needs a turn (its durable timeout: now, the next look at the
 * market, or its expiry), who holds it, whether it is parked for an admin, and how many
 * looks at the market in a row found nothing (the next one backs off further).
 */
export const orderSagasMigration: Migration = {
  version: 4,
  name: 'order-sagas',
  sql: `
    CREATE TABLE ledger_saga_checkpoints (
      saga text PRIMARY KEY,
      commit_position numeric(20) NOT NULL DEFAULT 0,
      prepare_position numeric(20) NOT NULL DEFAULT 0,
      updated_at timestamptz NOT NULL DEFAULT now()
    );

    CREATE TABLE ledger_order_sagas (
      order_id text PRIMARY KEY,
      status text NOT NULL DEFAULT 'active' CHECK (status IN ('active', 'parked', 'finished')),
      due_at timestamptz NOT NULL DEFAULT now(),
      lease_owner text,
      lease_until timestamptz,
      failures integer NOT NULL DEFAULT 0,
      quiet_polls integer NOT NULL DEFAULT 0,
      last_error text,
      parked_action text,
      parked_at timestamptz,
      created_at timestamptz NOT NULL DEFAULT now(),
      updated_at timestamptz NOT NULL DEFAULT now()
    );
    CREATE INDEX ledger_order_sagas_due ON ledger_order_sagas (due_at) WHERE status = 'active';
    CREATE INDEX ledger_order_sagas_parked ON ledger_order_sagas (parked_at) WHERE status = 'parked';
  `,
};
