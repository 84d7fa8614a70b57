/** The frame of every scenario file: a fresh deployment per file, the common assertions, the figures. */
import { afterAll, afterEach, beforeAll, expect } from 'vitest';
import { expectedOutcome, type Told } from './batch.js';
import { FaultStack } from './fault-stack.js';
import { recordFigures } from './figures.js';
import type { Reconciliation } from './reconcile.js';

/** Starts a deployment before the file's tests and stops it after (keeping its logs if a test failed). */
export function useFaultStack(slug: string, options: { env?: Record<string, string> } = {}): { readonly stack: FaultStack } {
  let stack: FaultStack | undefined;
  let failed = false;
  beforeAll(async () => {
    stack = await FaultStack.start(slug, options);
  });
  afterEach((context) => {
    if (context.task.result?.state === 'fail') failed = true;
  });
  afterAll(async () => stack?.close(failed));
  return {
    get stack(): FaultStack {
      if (!stack) throw new Error('the fault stack did not start');
      return stack;
    },
  };
}

/** Prints the scenario's figures, then asserts what every scenario must show. */
export function checkReconciliation(result: Reconciliation, told: readonly Told[]): void {
  const { figures, problems } = result;
  recordFigures(figures);
  const planned = { succeeded: 0, failed: 0, cancelled: 0, scheduled: 0, running: 0, retrying: 0 };
  for (const entry of new Map(told.map((t) => [t.uid, t])).values()) planned[expectedOutcome(entry.plan).status]++;
  expect(problems).toEqual([]);
  expect(figures.lost).toBe(0);
  expect(figures.registeredTwice).toBe(0);
  expect(figures.notTold).toBe(0);
  expect({ succeeded: figures.succeeded, failed: figures.failed, cancelled: figures.cancelled }).toEqual({
    succeeded: planned.succeeded,
    failed: planned.failed,
    cancelled: planned.cancelled,
  });
}
