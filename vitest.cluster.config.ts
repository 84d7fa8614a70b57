import { defineConfig } from 'vitest/config';

// `npm run test:cluster`: a two-node Temporal cluster on the local PostgreSQL (test/cluster/),
// our facade, service worker and an app worker against it, and one node killed mid-run.
export default defineConfig({
  test: {
    include: ['test/cluster/**/*.test.ts'],
    globalSetup: ['test/cluster/setup/global-setup.ts'],
    fileParallelism: false,
    pool: 'forks',
    testTimeout: 300_000,
    // The first run on a machine builds the server from source (minutes) in the global setup.
    hookTimeout: 900_000,
    reporters: ['default', ['json', { outputFile: 'test-results/cluster.json' }]],
  },
});
