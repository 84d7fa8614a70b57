/**
 * Scenario 3: kill -9 of the service worker (the process running the
 * workflows) while callbacks run, retry and wait for their timers. Handlers
 * keep running on the app's worker and their results wait in Temporal; timers
 * that fall due meanwhile fire when a new service worker picks the workflows
 * up. A cancel sent while no service worker runs is answered 503 and succeeds
 * when the client sends it again.
 */
import { join } from 'node:path';
import { expect, it } from 'vitest';
import { waitFor } from '../../scripts/lib/wait-for.js';
import { planBatch, registerAll, withPatience } from './helpers/batch.js';
import { killHard } from './helpers/node-process.js';
import { reconcile } from './helpers/reconcile.js';
import { inFlight } from './helpers/runs.js';
import { checkReconciliation, useFaultStack } from './helpers/scenario.js';

const deployment = useFaultStack('service-worker-kill');

it('3. kill -9 of the service worker: running, retrying and waiting callbacks all finish once', async () => {
  const { stack } = deployment;
  const app = 'shipping';
  const runsFile = join(stack.dir, 'runs.jsonl');
  await stack.startAppWorker(app, runsFile);
  const sdk = stack.sdk(app);

  const plans = planBatch(24, (n) => {
    if (n < 8) return { ms: 3_000 }; // running when the service worker dies
    if (n < 12) return { ms: 300, failUntil: 1, maxAttempts: 3, intervalSeconds: 2 }; // retrying
    if (n < 18) return { delaySeconds: 4 + (n % 3) }; // timers falling due while it is down
    if (n < 20) return { ms: 300, failUntil: 5, maxAttempts: 2 }; // failing for good
    return { delaySeconds: 120, cancel: true }; // cancelled while it is down
  });
  const told = await registerAll(sdk, plans);

  await waitFor('6 handlers running', async () => inFlight(runsFile).length >= 6, { timeoutMs: 20_000 });
  const killedAt = Date.now();
  await killHard(stack.serviceWorker);
  // The cancel is a workflow update: with no service worker it cannot be answered, the facade says
  // 503 after its dependency timeout, and the client (the SDK, then this loop) sends it again.
  const toCancel = told.filter((t) => t.plan.cancel);
  const cancels = Promise.all(
    toCancel.map(async (t) => ({ ...(await withPatience(() => sdk.unregister(t.uid), 90_000)), answeredAt: Date.now() })),
  );
  await new Promise((resolve) => setTimeout(resolve, 5_000));
  const restartedAt = Date.now();
  await stack.startServiceWorker();
  const backAt = Date.now();
  const cancelled = await cancels;
  expect(cancelled.map((answer) => answer.status)).toEqual(toCancel.map(() => 'cancelled'));
  // Answered only once a service worker ran again.
  for (const answer of cancelled) expect(answer.answeredAt).toBeGreaterThan(restartedAt);

  const result = await reconcile({
    scenario: '3 kill -9 service worker',
    app,
    sdk,
    temporal: stack.temporalClient,
    told,
    runsFile,
    faults: [{ what: 'service worker killed', from: killedAt, to: backAt }],
    timeoutMs: 90_000,
  });
  result.figures.notes = `service worker down ${((backAt - killedAt) / 1000).toFixed(1)} s (restart included); ${toCancel.length} cancels sent during the outage answered ${((Math.max(...cancelled.map((c) => c.answeredAt)) - killedAt) / 1000).toFixed(1)} s after the kill`;
  checkReconciliation(result, told);
  // Activities are not the service worker's: nothing ran twice.
  expect(result.figures.maxRunsPerAttempt).toBe(1);
  // Timers that fell due while it was down fired late, by about the outage.
  expect(result.figures.latenessMaxMs).toBeGreaterThan(1_000);
  expect(result.figures.latenessMaxMs).toBeLessThan(backAt - killedAt + 10_000);
});
