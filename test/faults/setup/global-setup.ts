/**
 * Once per `npm run test:faults`: find (or build) the Temporal CLI. Everything
 * else is started per scenario, because each scenario kills some of it.
 */
import type { TestProject } from 'vitest/node';
import { resolveTemporalBinary } from '../../../scripts/lib/temporal-binary.js';

declare module 'vitest' {
  export interface ProvidedContext {
    temporalBinary: string;
  }
}

export default async function setup(project: TestProject): Promise<void> {
  const binary = await resolveTemporalBinary();
  project.provide('temporalBinary', binary.path);
  console.log(`[faults] Temporal CLI ${binary.path} (${binary.version})`);
}
