import { defineConfig } from 'vitest/config';

/** The test tiers, by the tier in each file's name (`*.unit.spec.ts`, ...); each runs alone. */
const TIERS = ['unit', 'int', 'e2e'] as const;

export default defineConfig({
  test: {
    // One PostgreSQL for the whole run, provided to every tier (unit tests ignore it).
    globalSetup: ['test/support/global-setup.ts'],
    testTimeout: 60_000,
    hookTimeout: 120_000,
    // Two cores: files that start servers or hammer PostgreSQL compete for them.
    maxWorkers: 2,
    projects: TIERS.map((tier) => ({
      extends: true,
      test: {
        name: tier,
        include: [
          `src/**/*.${tier}.spec.ts`,
          `test/**/*.${tier}.spec.ts`,
          `admin/src/**/*.${tier}.spec.ts`,
        ],
      },
    })),
  },
});
