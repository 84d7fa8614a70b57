/**
 * Scenario 6: every worker of the application is down across the trigger
 * time and comes back 20 s later. The due attempts wait in the app's task
 * queue (no schedule-to-start limit), run when a worker returns, consume no
 * attempt by waiting, and their lateness is recorded.
 */
import { join } from 'node:path';
import { expect, it } from 'vitest';
import { planBatch, registerAll } from './helpers/batch.js';
import { reconcile } from './helpers/reconcile.js';
import { readRecords } from './helpers/runs.js';
import { checkReconciliation, useFaultStack } from './helpers/scenario.js';

const deployment = useFaultStack('app-workers-down');
const OUTAGE_AFTER_TRIGGER_MS = 20_000;

it('6. every app worker down across the trigger time, back 20 s later: all fire late, once, no attempt consumed', async () => {
  const { stack } = deployment;
  const app = 'newsletters';
  const runsFile = join(stack.dir, 'runs.jsonl');
  const worker = await stack.startAppWorker(app, runsFile);
  const sdk = stack.sdk(app);

  const plans = planBatch(18, (n) => ({
    delaySeconds: 4 + (n % 3),
    ...(n % 6 === 1 ? { failUntil: 1, maxAttempts: 3 } : {}),
    ...(n >= 16 ? { failUntil: 5, maxAttempts: 2 } : {}),
  }));
  const told = await registerAll(sdk, plans);
  const firstTrigger = Math.min(...told.map((t) => Date.parse(t.triggerAt)));

  // The last worker leaves (gracefully: nothing is running yet).
  const downAt = Date.now();
  await worker.child.stop('SIGTERM', 30_000);
  expect(await worker.child.exited).toBe(0);

  // While no worker polls, due callbacks sit in the queue: `running`, first attempt, no handler run.
  await new Promise((resolve) => setTimeout(resolve, Math.max(0, firstTrigger + 8_000 - Date.now())));
  const waiting = await sdk.get(told[0]!.uid);
  expect({ status: waiting.status, attempts: waiting.attempts }).toEqual({ status: 'running', attempts: 1 });
  expect(readRecords(runsFile).filter((r) => r.event === 'start')).toEqual([]);

  await new Promise((resolve) => setTimeout(resolve, Math.max(0, firstTrigger + OUTAGE_AFTER_TRIGGER_MS - Date.now())));
  const returned = await stack.startAppWorker(app, runsFile);
  const backAt = Date.now();

  const result = await reconcile({
    scenario: '6 all app workers down 20 s',
    app,
    sdk,
    temporal: stack.temporalClient,
    told,
    runsFile,
    faults: [{ what: 'no app worker', from: downAt, to: backAt }],
    timeoutMs: 90_000,
  });
  result.figures.notes = `no worker from ${((firstTrigger - downAt) / 1000).toFixed(1)} s before the first trigger to ${((backAt - firstTrigger) / 1000).toFixed(1)} s after it; all runs on the returning worker`;
  checkReconciliation(result, told);
  expect(result.figures.maxRunsPerAttempt).toBe(1);
  expect(result.runs.every((run) => run.pid === returned.pid)).toBe(true);
  // Lateness is recorded: the earliest callbacks waited about the whole outage.
  expect(result.figures.latenessMaxMs).toBeGreaterThan(OUTAGE_AFTER_TRIGGER_MS - 3_000);
  expect(result.figures.latenessMaxMs).toBeLessThan(OUTAGE_AFTER_TRIGGER_MS + 10_000);
});
