import { defineConfig } from 'vitest/config';

// `npm run test:long`: tests that take minutes (test/long/), against the same real Temporal dev
// server and Redis as `npm test` (test/setup/global-setup.ts), one file at a time.
export default defineConfig({
  test: {
    include: ['test/long/**/*.test.ts'],
    globalSetup: ['test/setup/global-setup.ts'],
    testTimeout: 900_000,
    hookTimeout: 180_000,
    pool: 'forks',
    fileParallelism: false,
    reporters: ['default', ['json', { outputFile: 'test-results/long.json' }]],
  },
});
