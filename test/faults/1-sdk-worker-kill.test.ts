/**
 * Scenario 1: kill -9 of the application's SDK worker while handlers run, then
 * a new worker starts. The cut attempts are redelivered (same uid and attempt)
 * once Temporal's heartbeat timeout notices, and none of them is counted as a
 * failed attempt.
 */
import { join } from 'node:path';
import { expect, it } from 'vitest';
import { waitFor } from '../../scripts/lib/wait-for.js';
import { planBatch, registerAll } from './helpers/batch.js';
import { killHard } from './helpers/node-process.js';
import { reconcile } from './helpers/reconcile.js';
import { inFlight } from './helpers/runs.js';
import { checkReconciliation, useFaultStack } from './helpers/scenario.js';

const deployment = useFaultStack('sdk-worker-kill');

it('1. kill -9 of the SDK worker while handlers run: cut attempts run again on a new worker, none is lost', async () => {
  const { stack } = deployment;
  const app = 'orders';
  const runsFile = join(stack.dir, 'runs.jsonl');
  const first = await stack.startAppWorker(app, runsFile);
  const sdk = stack.sdk(app);

  const plans = planBatch(24, (n) => {
    if (n >= 22) return { cancel: true, delaySeconds: 120 };
    if (n >= 19) return { delaySeconds: 14, ms: 500 }; // due after the crash: the new worker runs them
    if (n >= 16) return { failUntil: 5, maxAttempts: 2, ms: 500 }; // fail on both attempts
    // Six seconds of work: most of these are mid-handler when the worker is killed.
    return { delaySeconds: 2 + (n % 4) * 0.3, ms: 6_000, ...(n % 4 === 1 ? { failUntil: 1, maxAttempts: 3 } : {}) };
  });
  const told = await registerAll(sdk, plans);
  for (const entry of told.filter((t) => t.plan.cancel)) await sdk.unregister(entry.uid);

  await waitFor('8 handlers running on the first worker', async () => inFlight(runsFile, first.pid).length >= 8, { timeoutMs: 20_000 });
  const killedAt = Date.now();
  await killHard(first.child);
  const cut = inFlight(runsFile, first.pid);
  const second = await stack.startAppWorker(app, runsFile);

  const result = await reconcile({
    scenario: '1 kill -9 SDK worker',
    app,
    sdk,
    temporal: stack.temporalClient,
    told,
    runsFile,
    faults: [{ what: 'SDK worker killed', from: killedAt, to: Date.now() }],
    timeoutMs: 90_000,
  });
  result.figures.notes = `${cut.length} handlers cut by kill -9 of pid ${first.pid}; each ran again on pid ${second.pid}`;
  checkReconciliation(result, told);
  // Every cut attempt ran again exactly once, on the new worker, with the same attempt number (a run
  // that had just returned may also run again: its result died with the worker before reaching Temporal).
  expect(cut.length).toBeGreaterThanOrEqual(8);
  expect(result.figures.redelivered).toBeGreaterThanOrEqual(cut.length);
  expect(result.figures.maxRunsPerAttempt).toBe(2);
  for (const run of cut) {
    const again = result.runs.filter((r) => r.uid === run.uid && r.attempt === run.attempt && r.pid === second.pid);
    expect(again).toHaveLength(1);
  }
  // A cut first attempt is recorded as fired when its redelivery started: heartbeat timeout (10 s) plus retry.
  expect(result.figures.latenessMaxMs).toBeLessThan(25_000);
});
