/**
 * Scenario 5: Redis (which only remembers idempotency keys) is killed in the
 * middle of registrations, and a new, empty one starts on its port 2 s later.
 * Keyed registrations (every SDK registration is keyed) get 503 while it is
 * away and go through when sent again; an HTTP client's registrations
 * without a key never need it. Keys Redis forgot still
 * answer with their callback, because a keyed registration's uid is derived
 * from the key and the body.
 */
import { join } from 'node:path';
import { expect, it } from 'vitest';
import { planBatch, register, registerAll, registerWithoutKey, type Told } from './helpers/batch.js';
import { reconcile } from './helpers/reconcile.js';
import { checkReconciliation, useFaultStack } from './helpers/scenario.js';

const deployment = useFaultStack('redis-restart');

it('5. Redis restarted during registrations: keyed requests retried through it register once, none is lost', async () => {
  const { stack } = deployment;
  const app = 'payments';
  const runsFile = join(stack.dir, 'runs.jsonl');
  await stack.startAppWorker(app, runsFile);
  const sdk = stack.sdk(app);

  const keyed = planBatch(48, (n) => ({
    idempotencyKey: `payment-${n}-capture`,
    delaySeconds: 5 + (n % 4),
    ...(n % 8 === 3 ? { failUntil: 1, maxAttempts: 2 } : {}),
  }));
  const unkeyed = planBatch(30, (n) => ({ n: 100 + n, delaySeconds: 5 }));

  let retries = 0;
  let downAt = 0;
  let backAt = 0;
  let restart: Promise<void> | undefined;
  const pause = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));
  const restartRedis = async (): Promise<void> => {
    downAt = Date.now();
    await stack.redis.child?.stop('SIGKILL');
    await pause(2_000);
    await stack.redis.restart?.(); // a new, empty server on the same port
    backAt = Date.now();
  };
  const [toldKeyed, toldUnkeyed] = await Promise.all([
    registerAll(sdk, keyed, {
      concurrency: 3,
      patienceMs: 60_000,
      onRetry: () => retries++,
      onTold: (_answer, answered) => {
        if (answered === 15) restart = restartRedis();
        return pause(150);
      },
    }),
    // Without a key (plain HTTP: the SDK always sends one) Redis is not involved: registrations sent
    // while it is down go through at the first try.
    (async () => {
      while (downAt === 0) await pause(50);
      const told: Told[] = [];
      for (const plan of unkeyed) {
        if (backAt !== 0) break;
        told.push(await registerWithoutKey(stack.facadeUrl, app, plan));
        await pause(100);
      }
      return told;
    })(),
  ]);
  await restart;
  expect(toldUnkeyed.length).toBeGreaterThanOrEqual(3);

  // Sent once more after the restart: Redis has forgotten every key, the same callbacks answer.
  const again = await Promise.all(keyed.map((plan) => register(sdk, plan)));
  const firstUid = new Map(toldKeyed.map((t) => [t.plan.n, t.uid]));
  expect(again.map((t) => [t.plan.n, t.uid, t.replayed])).toEqual(keyed.map((p) => [p.n, firstUid.get(p.n), true]));

  const told = [...toldKeyed, ...toldUnkeyed];
  const result = await reconcile({
    scenario: '5 Redis restart mid-burst',
    app,
    sdk,
    temporal: stack.temporalClient,
    told,
    runsFile,
    faults: [{ what: 'Redis down', from: downAt, to: backAt }],
    timeoutMs: 90_000,
  });
  const unavailable = await stack.facadeAnswers(503);
  result.figures.notes = `Redis killed, down ${((backAt - downAt) / 1000).toFixed(1)} s; ${unavailable} answers 503 meanwhile, ${retries} client retries beyond the SDK's own; ${toldUnkeyed.length} unkeyed registrations sent during the outage needed no retry; all ${keyed.length} keys replayed after Redis forgot them`;
  checkReconciliation(result, told);
  expect(backAt).toBeGreaterThan(0);
  expect(unavailable).toBeGreaterThan(0);
  expect(result.figures.maxRunsPerAttempt).toBe(1);
  // Redis is not on the fire path: on time, within what a loaded two-core machine adds.
  expect(result.figures.latenessMaxMs).toBeLessThan(5_000);
});
