// Shared with the benchmarks and the crash soak, which run without vitest (test-kit/).
export * from '../../test-kit/graphql-operations.js';
