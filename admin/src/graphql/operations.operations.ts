import { gql } from 'urql';

export interface ProjectionRow {
  readonly name: string;
  readonly status: string;
  readonly position: string;
  readonly lagEvents: number | null;
  readonly lagMs: number | null;
  readonly parked: number;
  readonly lastError: string | null;
  readonly updatedAt: string | null;
}

export interface ParkedSagaRow {
  readonly orderId: string;
  readonly action: string;
  readonly error: string;
  readonly failures: number;
  readonly parkedAt: string;
}

export interface InstrumentRow {
  readonly symbol: string;
  readonly name: string;
  readonly currency: string;
  readonly price: string;
  readonly priceAt: string;
  readonly halted: boolean;
}

/** A background rebuild as the server pushes it (RebuildJob in schema.graphql). */
export interface RebuildJob {
  readonly projection: string;
  readonly state: 'RUNNING' | 'DONE' | 'FAILED';
  readonly phase: string;
  readonly applied: number;
  readonly total: number | null;
  readonly eventsPerSecond: number;
  readonly etaSeconds: number | null;
  readonly startedAt: string;
  readonly finishedAt: string | null;
  readonly swapped: boolean | null;
  readonly error: string | null;
}

export const PROJECTIONS_QUERY = gql<
  { projections: readonly ProjectionRow[] },
  Record<string, never>
>`
  query Projections {
    projections {
      name
      status
      position
      lagEvents
      lagMs
      parked
      lastError
      updatedAt
    }
  }
`;

export const PARKED_SAGAS_QUERY = gql<
  { parkedSagas: readonly ParkedSagaRow[] },
  Record<string, never>
>`
  query ParkedSagas {
    parkedSagas(first: 100) {
      orderId
      action
      error
      failures
      parkedAt
    }
  }
`;

/** From the market itself (no view): fails on its own when the market does not answer. */
export const INSTRUMENTS_QUERY = gql<
  { instruments: readonly InstrumentRow[] },
  Record<string, never>
>`
  query Instruments {
    instruments {
      symbol
      name
      currency
      price
      priceAt
      halted
    }
  }
`;

export const START_REBUILD = gql<{ startProjectionRebuild: { state: string } }, { name: string }>`
  mutation StartRebuild($name: String!) {
    startProjectionRebuild(input: { name: $name }) {
      state
    }
  }
`;

export const REPLAY_PARKED = gql<
  { replayParkedEvents: { replayed: number; failed: number } },
  { name: string }
>`
  mutation ReplayParked($name: String!) {
    replayParkedEvents(input: { name: $name }) {
      replayed
      failed
    }
  }
`;

export const RETRY_SAGA = gql<{ retrySaga: { id: string } }, { orderId: string }>`
  mutation RetrySaga($orderId: String!) {
    retrySaga(input: { orderId: $orderId }) {
      id
    }
  }
`;

export const COMPENSATE_SAGA = gql<{ compensateSaga: { id: string } }, { orderId: string }>`
  mutation CompensateSaga($orderId: String!) {
    compensateSaga(input: { orderId: $orderId }) {
      id
    }
  }
`;

export const FAIL_SAGA = gql<{ failSaga: { id: string } }, { orderId: string; reason: string }>`
  mutation FailSaga($orderId: String!, $reason: String!) {
    failSaga(input: { orderId: $orderId, reason: $reason }) {
      id
    }
  }
`;

export const SET_HALTED = gql<
  { setInstrumentHalted: { symbol: string; halted: boolean } },
  { symbol: string; halted: boolean }
>`
  mutation SetHalted($symbol: String!, $halted: Boolean!) {
    setInstrumentHalted(input: { symbol: $symbol, halted: $halted }) {
      symbol
      halted
    }
  }
`;
