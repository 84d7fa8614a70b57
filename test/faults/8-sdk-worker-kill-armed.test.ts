/**
 * Scenario 8: kill -9 of the application's SDK worker while it holds attempts
 * armed (pre-dispatch: dispatched ahead of their due time, waiting on the
 * worker's clock). None of them had started its handler: each is delivered
 * again once Temporal's heartbeat timeout notices the silence, to the new
 * worker, and fires late, exactly once, without using up an attempt.
 */
import { join } from 'node:path';
import { expect, it } from 'vitest';
import { waitFor } from '../../scripts/lib/wait-for.js';
import { PendingActivityState } from '../../server/temporal/enums.js';
import { callbackWorkflowId } from '../../workflows/contract.js';
import { planBatch, registerAll } from './helpers/batch.js';
import { killHard } from './helpers/node-process.js';
import { reconcile } from './helpers/reconcile.js';
import { checkReconciliation, useFaultStack } from './helpers/scenario.js';

/** A wide armed window, so the kill lands while the worker holds the attempts. */
const LEAD_MS = 4_000;
const deployment = useFaultStack('sdk-worker-kill-armed', { env: { DISPATCH_LEAD_MS: String(LEAD_MS) } });

it('8. kill -9 of the SDK worker while attempts are armed: each is redelivered and fires late, once, none lost', async () => {
  const { stack } = deployment;
  const app = 'reminders';
  const runsFile = join(stack.dir, 'runs.jsonl');
  const first = await stack.startAppWorker(app, runsFile);
  const sdk = stack.sdk(app);

  const plans = planBatch(20, (n) => {
    if (n >= 18) return { cancel: true, delaySeconds: 120 };
    if (n >= 15) return { delaySeconds: 30 }; // due after the new worker is up: untouched
    // First attempts fail at about +3 s; the second ones are due at +11 s and armed (on the first worker) at the kill.
    if (n >= 11) return { delaySeconds: 3, failUntil: 1, maxAttempts: 2, intervalSeconds: 8 };
    return { delaySeconds: 11 }; // first attempts due at +11 s: armed from +7 s
  });
  const told = await registerAll(sdk, plans);
  for (const entry of told.filter((t) => t.plan.cancel)) await sdk.unregister(entry.uid);

  // Wait until the first worker holds every attempt due at +11 s (its first or its second).
  const armedOnes = told.filter((t) => !t.plan.cancel && t.plan.delaySeconds !== 30);
  await waitFor(`${armedOnes.length} attempts armed`, async () => {
    const held = await Promise.all(
      armedOnes.map(async ({ uid }) => {
        const description = await stack.temporalClient.workflow.getHandle(callbackWorkflowId(app, uid)).describe();
        return (description.raw.pendingActivities ?? []).some((a) => a.state === PendingActivityState.PENDING_ACTIVITY_STATE_STARTED);
      }),
    );
    return held.every(Boolean);
  }, { timeoutMs: 30_000, intervalMs: 100 });
  const dueAt = Math.min(...armedOnes.filter((t) => t.plan.delaySeconds === 11).map((t) => Date.parse(t.triggerAt)));
  const killedAt = Date.now();
  expect(killedAt).toBeLessThan(dueAt); // armed: none of them has started its handler
  await killHard(first.child);
  const second = await stack.startAppWorker(app, runsFile);

  const result = await reconcile({
    scenario: '8 kill -9 SDK worker, attempts armed',
    app,
    sdk,
    temporal: stack.temporalClient,
    told,
    runsFile,
    faults: [{ what: 'SDK worker killed while attempts were armed', from: killedAt, to: Date.now() }],
    timeoutMs: 120_000,
  });
  result.figures.notes = `${armedOnes.length} attempts armed on pid ${first.pid} killed ${((dueAt - killedAt) / 1000).toFixed(1)} s before their due time; all ran on pid ${second.pid}`;
  checkReconciliation(result, told);
  // Never twice: an armed attempt had not started its handler, so its redelivery is its only run.
  expect(result.figures.maxRunsPerAttempt).toBe(1);
  const afterKill = result.runs.filter((run) => run.startedAt >= killedAt);
  expect(afterKill.every((run) => run.pid === second.pid)).toBe(true);
  // Late, never early: each armed attempt ran once, on the new worker, after its due time.
  for (const entry of armedOnes) {
    const state = result.states.get(entry.uid)!;
    const attempt = entry.plan.failUntil > 0 ? 2 : 1;
    const runs = result.runs.filter((run) => run.uid === entry.uid && run.attempt === attempt);
    expect(runs).toHaveLength(1);
    expect(runs[0]!.pid).toBe(second.pid);
    const due = attempt === 1 ? Date.parse(entry.triggerAt) : Date.parse(state.attemptHistory[0]!.finishedAt) + 8_000;
    expect(runs[0]!.startedAt).toBeGreaterThanOrEqual(due);
    if (attempt === 1) expect(state.latenessMs).toBeGreaterThan(0);
  }
});
