import { defineConfig } from 'vitest/config';

// `npm test`: unit tests (pure) and integration tests against one real Temporal dev server and
// one real Redis, started by test/setup/global-setup.ts for the whole run.
export default defineConfig({
  test: {
    include: ['test/unit/**/*.test.ts', 'test/integration/**/*.test.ts'],
    globalSetup: ['test/setup/global-setup.ts'],
    testTimeout: 60_000,
    hookTimeout: 180_000,
    pool: 'forks',
    // Two cores: two test files at a time beside the Temporal server.
    maxWorkers: 2,
    reporters: ['default', ['json', { outputFile: 'test-results/vitest.json' }]],
  },
});
