/**
 * Scenario 4: the Temporal server dies (kill -9) and starts again on the same
 * SQLite file while callbacks run, retry, wait for their timers and are being
 * cancelled and registered. Everything Temporal acknowledged is on disk; every
 * process of ours reconnects by itself.
 */
import { join } from 'node:path';
import { expect, it } from 'vitest';
import { waitFor } from '../../scripts/lib/wait-for.js';
import { planBatch, register, registerAll, withPatience, type Told } from './helpers/batch.js';
import { reconcile } from './helpers/reconcile.js';
import { inFlight } from './helpers/runs.js';
import { checkReconciliation, useFaultStack } from './helpers/scenario.js';

const deployment = useFaultStack('temporal-restart');

it('4. Temporal restarted on its SQLite file: pending, running and retrying callbacks all finish, none twice', async () => {
  const { stack } = deployment;
  const app = 'reminders';
  const runsFile = join(stack.dir, 'runs.jsonl');
  await stack.startAppWorker(app, runsFile);
  const sdk = stack.sdk(app);

  const plans = planBatch(28, (n) => {
    if (n < 6) return { ms: 4_000 }; // running when Temporal dies
    if (n < 10) return { delaySeconds: 1, failUntil: 1, maxAttempts: 3, intervalSeconds: 4 }; // retrying
    if (n < 16) return { delaySeconds: 12 + (n % 4) }; // timers pending across the restart
    if (n < 18) return { failUntil: 5, maxAttempts: 2, intervalSeconds: 3 }; // failing for good
    if (n < 22) return { delaySeconds: 120, cancel: true }; // two cancelled before, two after
    return { delaySeconds: 2, idempotencyKey: `during-outage-${n}` }; // sent while Temporal is down
  });
  const before = await registerAll(
    sdk,
    plans.filter((p) => p.n < 22),
  );
  const toCancel = before.filter((t) => t.plan.cancel);
  for (const entry of toCancel.slice(0, 2)) await sdk.unregister(entry.uid);

  await waitFor('5 handlers running', async () => inFlight(runsFile).length >= 5, { timeoutMs: 20_000 });
  const stoppedAt = Date.now();
  let retries = 0;
  // SIGKILL: no graceful flush. Keyed registrations sent during the outage wait (or get 503 and are
  // sent again) and go through once Temporal is back.
  const restart = stack.restartTemporal('SIGKILL', 6_000);
  const during = Promise.all(
    plans
      .filter((p) => p.idempotencyKey)
      .map(async (plan) => ({ ...(await register(sdk, plan, { patienceMs: 90_000, onRetry: () => retries++ })), answeredAt: Date.now() })),
  );
  await restart;
  const backAt = Date.now();
  const sentDuring = await during;
  for (const answer of sentDuring) expect(answer.answeredAt).toBeGreaterThan(stoppedAt + 6_000);
  const told: Told[] = [...before, ...sentDuring];
  for (const entry of toCancel.slice(2)) await withPatience(() => sdk.unregister(entry.uid), 30_000);

  const result = await reconcile({
    scenario: '4 Temporal kill -9 + restart',
    app,
    sdk,
    temporal: stack.temporalClient,
    told,
    runsFile,
    faults: [{ what: 'Temporal down', from: stoppedAt, to: backAt }],
    timeoutMs: 120_000,
  });
  result.figures.notes = `Temporal down ${((backAt - stoppedAt) / 1000).toFixed(1)} s (restart included); ${sentDuring.length} keyed registrations sent meanwhile answered after it (${retries} client retries); ${result.figures.redelivered} attempts whose result was in flight ran again`;
  checkReconciliation(result, told);
  expect(result.figures.maxRunsPerAttempt).toBeLessThanOrEqual(2);
  // Late by at most the outage, plus a heartbeat timeout for an attempt whose result was lost.
  expect(result.figures.latenessMaxMs).toBeLessThan(backAt - stoppedAt + 20_000);
});
