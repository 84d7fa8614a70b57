/**
 * Scenario 7: graceful shutdown. SIGTERM to an SDK worker lets the handlers it
 * runs finish and report (no attempt runs twice), then the process exits 0;
 * SIGTERM to the facade lets the requests it is serving finish (no callback is
 * registered without its client being told), then it exits 0. Both within a
 * deadline.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect, it } from 'vitest';
import { exitedWithin } from '../../scripts/lib/managed-child.js';
import { waitFor } from '../../scripts/lib/wait-for.js';
import { planBatch, register, registerAll, type Told } from './helpers/batch.js';
import { startNodeProcess } from './helpers/node-process.js';
import { reconcile } from './helpers/reconcile.js';
import { inFlight, readRecords } from './helpers/runs.js';
import { checkReconciliation, useFaultStack } from './helpers/scenario.js';

const deployment = useFaultStack('graceful-shutdown');
const EXIT_DEADLINE_MS = 15_000;

it('7a. SIGTERM to the SDK worker: running handlers finish and report, it exits 0 in time', async () => {
  const { stack } = deployment;
  const app = 'exports';
  const runsFile = join(stack.dir, 'runs-7a.jsonl');
  const first = await stack.startAppWorker(app, runsFile);
  const sdk = stack.sdk(app);
  const plans = planBatch(16, (n) => (n < 10 ? { ms: 5_000 } : { delaySeconds: 12 }));
  const told = await registerAll(sdk, plans);

  await waitFor('6 handlers running', async () => inFlight(runsFile, first.pid).length >= 6, { timeoutMs: 20_000 });
  const running = inFlight(runsFile, first.pid);
  const termAt = Date.now();
  first.child.process.kill('SIGTERM');
  expect(await exitedWithin(first.child, EXIT_DEADLINE_MS)).toBe(true);
  const exitMs = Date.now() - termAt;
  expect(await first.child.exited).toBe(0);
  // Each handler that was running finished on the stopping worker.
  const ended = readRecords(runsFile).filter((r) => r.event === 'end' && r.pid === first.pid);
  for (const run of running) expect(ended.some((r) => r.uid === run.uid && r.attempt === run.attempt && r.ok)).toBe(true);
  await stack.startAppWorker(app, runsFile); // the rest fire on its successor

  const result = await reconcile({
    scenario: '7a SIGTERM SDK worker', app, sdk, temporal: stack.temporalClient, told, runsFile, faults: [], timeoutMs: 60_000,
  });
  result.figures.notes = `${running.length} handlers running at SIGTERM all finished; exit 0 after ${(exitMs / 1000).toFixed(1)} s`;
  checkReconciliation(result, told);
  expect(result.figures.maxRunsPerAttempt).toBe(1); // results reported, nothing redelivered
});

it('7b. SIGTERM to the facade during a registration burst: requests in flight are answered, it exits 0 in time', async () => {
  const { stack } = deployment;
  const app = 'imports';
  const runsFile = join(stack.dir, 'runs-7b.jsonl');
  await stack.startAppWorker(app, runsFile);
  const sdk = stack.sdk(app);

  // Sixteen clients register without idempotency keys (a cut answer would leave a callback nobody knows
  // of) until the facade stops accepting them.
  let termAt = 0;
  let next = 0;
  let failures = 0;
  const answers: Array<Told & { answeredAt: number }> = [];
  const lane = async (): Promise<void> => {
    while (termAt === 0 || next < 400) {
      const plan = planBatch(1, () => ({ n: next++, delaySeconds: 3 }))[0]!;
      try {
        answers.push({ ...(await register(sdk, plan)), answeredAt: Date.now() });
      } catch {
        failures++;
        return;
      }
    }
  };
  const lanes = Promise.all(Array.from({ length: 16 }, lane));
  await waitFor('40 registrations', async () => answers.length >= 40, { timeoutMs: 20_000 });
  termAt = Date.now();
  stack.facade.process.kill('SIGTERM');
  await lanes;
  expect(await exitedWithin(stack.facade, EXIT_DEADLINE_MS)).toBe(true);
  const exitMs = Date.now() - termAt;
  expect(await stack.facade.exited).toBe(0);
  const answeredAfterTerm = answers.filter((a) => a.answeredAt >= termAt).length;

  await stack.startFacade(); // to read the callbacks back
  const result = await reconcile({
    scenario: '7b SIGTERM facade', app, sdk, temporal: stack.temporalClient, told: answers, runsFile, faults: [], timeoutMs: 60_000,
  });
  result.figures.notes = `${answeredAfterTerm} requests in flight at SIGTERM answered 201 after it, ${failures} refused; exit 0 after ${(exitMs / 1000).toFixed(1)} s`;
  // notTold = 0 in here: every registration the facade made, it answered.
  checkReconciliation(result, answers);
  expect(answeredAfterTerm).toBeGreaterThan(0);
  expect(result.figures.maxRunsPerAttempt).toBe(1);
});

it('7c. SIGTERM to the demo worker (examples/demo-worker.ts): its slow handlers finish, it exits 0 in time', async () => {
  const { stack } = deployment;
  const logFile = join(stack.dir, 'demo-worker.log');
  const demo = stack.track(startNodeProcess({
    name: 'demo-worker', script: 'examples/demo-worker.ts', logFile,
    env: { DELAY_CALLBACK_APP: 'demo', DELAY_CALLBACK_URL: stack.facadeUrl, TEMPORAL_ADDRESS: stack.temporal.address },
  }));
  const log = (): string => readFileSync(logFile, 'utf8');
  await waitFor('demo worker running', async () => log().includes('worker running'), { timeoutMs: 60_000 });
  const sdk = stack.sdk('demo');
  const uids = await Promise.all([1, 2, 3].map(async () => (await sdk.register({ alias: 'slow', args: { seconds: 4 }, delaySeconds: 1 })).uid));
  await waitFor('3 slow handlers running', async () => uids.every((uid) => log().includes(`slow: working 4 s uid=${uid}`)), { timeoutMs: 20_000 });

  demo.process.kill('SIGTERM');
  expect(await exitedWithin(demo, EXIT_DEADLINE_MS)).toBe(true);
  expect(await demo.exited).toBe(0);
  for (const uid of uids) {
    const callback = await waitFor('succeeded', async () => {
      const state = await sdk.get(uid);
      return state.status === 'succeeded' ? state : undefined;
    }, { timeoutMs: 10_000 });
    expect(callback.attempts).toBe(1);
    expect(log().split(`slow: working 4 s uid=${uid}`).length - 1).toBe(1); // ran once
  }
});
