/**
 * Scenario 2: kill -9 of the facade in the middle of a registration burst.
 * Clients hold idempotency keys and send again until answered, as a real
 * client would; a new facade starts on the same address. Every key ends with
 * exactly one workflow, whether its first request died before, during or after
 * starting it.
 */
import { join } from 'node:path';
import { expect, it } from 'vitest';
import { planBatch, register, registerAll } from './helpers/batch.js';
import { killHard } from './helpers/node-process.js';
import { reconcile } from './helpers/reconcile.js';
import { checkReconciliation, useFaultStack } from './helpers/scenario.js';

const deployment = useFaultStack('facade-kill');

it('2. kill -9 of the facade during a registration burst: retried keys register once, nothing is lost', async () => {
  const { stack } = deployment;
  const app = 'billing';
  const runsFile = join(stack.dir, 'runs.jsonl');
  await stack.startAppWorker(app, runsFile);
  // The SDK's own retries would ride out the restart unseen: here the client retries, and counts.
  const sdk = stack.sdk(app, 0);

  const plans = planBatch(48, (n) => ({
    idempotencyKey: `invoice-${n}-reminder`,
    delaySeconds: 6 + (n % 5),
    ...(n % 6 === 1 ? { failUntil: 1, maxAttempts: 3 } : {}),
    ...(n % 12 === 5 ? { failUntil: 9, maxAttempts: 2 } : {}),
  }));
  let retries = 0;
  let killedAt = 0;
  let restarted: Promise<unknown> | undefined;
  const told = await registerAll(sdk, plans, {
    concurrency: 8,
    patienceMs: 60_000,
    onRetry: () => retries++,
    onTold: (_answer, answered) => {
      // The 12th answer: seven more requests are on their way through the facade right now.
      if (killedAt === 0 && answered === 12) {
        killedAt = Date.now();
        stack.facade.process.kill('SIGKILL');
        restarted = killHard(stack.facade).then(() => stack.startFacade());
      }
    },
  });
  await restarted;
  const backAt = Date.now();

  // Every key sent once more, after the fact: the same callback comes back, marked as a replay.
  const again = await Promise.all(plans.map((plan) => register(sdk, plan)));
  const firstUid = new Map(told.map((t) => [t.plan.n, t.uid]));
  expect(again.map((t) => [t.plan.n, t.uid, t.replayed])).toEqual(plans.map((p) => [p.n, firstUid.get(p.n), true]));

  const result = await reconcile({
    scenario: '2 kill -9 facade mid-burst',
    app,
    sdk,
    temporal: stack.temporalClient,
    told,
    runsFile,
    faults: [{ what: 'facade killed', from: killedAt, to: backAt }],
    timeoutMs: 90_000,
  });
  const replayed = told.filter((t) => t.replayed).length;
  result.figures.notes = `facade down ${((backAt - killedAt) / 1000).toFixed(1)} s; ${retries} client retries; ${replayed} first answers were replays (the dead facade had started them)`;
  checkReconciliation(result, told);
  expect(killedAt).toBeGreaterThan(0);
  expect(retries).toBeGreaterThan(0);
  expect(new Set(told.map((t) => t.plan.n)).size).toBe(plans.length);
  expect(result.figures.registered).toBe(plans.length);
  expect(result.figures.maxRunsPerAttempt).toBe(1);
  // The facade is not on the fire path: on time, within what a loaded two-core machine adds.
  expect(result.figures.latenessMaxMs).toBeLessThan(5_000);
});
