import { defineConfig } from 'vitest/config';

// `npm run test:faults`: the fault suite (test/faults/). Each scenario file starts its own
// deployment of real processes and kills parts of it, so files run one at a time: on two
// cores, two deployments side by side would measure each other instead of the fault.
export default defineConfig({
  test: {
    include: ['test/faults/**/*.test.ts'],
    globalSetup: ['test/faults/setup/global-setup.ts'],
    fileParallelism: false,
    pool: 'forks',
    testTimeout: 240_000,
    hookTimeout: 180_000,
    reporters: ['default', ['json', { outputFile: 'test-results/faults.json' }]],
  },
});
