/**
 * Dependencies down: this file starts its own Redis child and its own Temporal dev
 * server (in memory), builds a stack against them, stops each in turn and checks
 * that requests get 503 + Retry-After with the envelope (the elapsed time is printed;
 * its bound is DEPENDENCY_TIMEOUT_MS, and speed belongs to the benchmark; a registration
 * while Temporal is down: REGISTRATION_OUTCOME_UNKNOWN with its uid),
 * /readyz names the one that is down, unkeyed registration does not need Redis, and
 * the service recovers by itself once the dependency is back (same port).
 */
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { startRedisChild, type RedisHandle } from '../../scripts/lib/redis-server.js';
import { startTemporalDevServer, type TemporalDevServer } from '../../scripts/lib/temporal-dev-server.js';
import { waitFor } from '../../scripts/lib/wait-for.js';
import { expectEnvelope } from '../helpers/envelope.js';
import { startTestStack, uniqueName, type TestStack } from '../helpers/stack.js';

const TIMEOUT_MS = 1_500;
const app = uniqueName('outage');

let redis: RedisHandle;
let temporal: TemporalDevServer;
let stack: TestStack;
beforeAll(async () => {
  [redis, temporal] = await Promise.all([
    startRedisChild(),
    startTemporalDevServer({ binaryPath: inject('temporalBinary'), stdio: 'ignore' }),
  ]);
  stack = await startTestStack({
    env: { TEMPORAL_ADDRESS: temporal.address, TEMPORAL_UI_URL: temporal.uiUrl, REDIS_URL: redis.url, DEPENDENCY_TIMEOUT_MS: String(TIMEOUT_MS) },
  });
  // As server/main.ts does: connection errors while Redis is down are expected, not unhandled.
  stack.redis.on('error', () => undefined);
});
afterAll(async () => {
  await stack?.close();
  await Promise.all([temporal?.stop(), redis?.stop()]);
});

const register = (body: Record<string, unknown>) => stack.http('POST', `/v1/apps/${app}/callbacks`, { alias: 'tick', delaySeconds: 3600, ...body });

/** Times a request, which must answer 503 DEPENDENCY_UNAVAILABLE naming `dependency`, with Retry-After. */
async function expectUnavailable(dependency: 'redis' | 'temporal', request: () => ReturnType<TestStack['http']>): Promise<number> {
  const started = Date.now();
  const response = await request();
  const elapsed = Date.now() - started;
  const envelope = expectEnvelope({ name: dependency, status: 503, code: 'DEPENDENCY_UNAVAILABLE' }, response.status, JSON.stringify(response.body));
  expect(envelope.error.details).toEqual([{ dependency }]);
  expect(Number(response.headers.get('retry-after'))).toBeGreaterThan(0);
  return elapsed;
}

/**
 * A registration while Temporal is down: its start may or may not have reached Temporal before
 * the connection failed, and Temporal cannot be asked, so the answer says so, with the uid.
 */
async function expectOutcomeUnknown(request: () => ReturnType<TestStack['http']>): Promise<number> {
  const started = Date.now();
  const response = await request();
  const elapsed = Date.now() - started;
  const envelope = expectEnvelope({ name: 'temporal', status: 503, code: 'REGISTRATION_OUTCOME_UNKNOWN' }, response.status, JSON.stringify(response.body));
  expect(envelope.error.details).toEqual([{ uid: expect.any(String) }]);
  expect(Number(response.headers.get('retry-after'))).toBeGreaterThan(0);
  return elapsed;
}

interface Readiness {
  status: number;
  body: { status: 'ready' | 'not-ready'; checks: Record<string, 'ok' | 'down'>; reasons?: Record<string, string> };
}

async function readiness(): Promise<Readiness> {
  const response = await stack.http('GET', '/readyz');
  return { status: response.status, body: response.body };
}

/** /readyz answers from checks at most about a second old: wait for it to see the change. */
function readinessBecomes(status: number, timeoutMs: number): Promise<Readiness> {
  return waitFor(`/readyz ${status}`, async () => {
    const ready = await readiness();
    return ready.status === status ? ready : undefined;
  }, { timeoutMs, intervalMs: 250 });
}

describe('Redis down', () => {
  it('answers keyed registration 503, /readyz names redis, unkeyed registration goes on, and it recovers', async () => {
    expect((await register({ idempotencyKey: 'before-outage' })).status).toBe(201);
    expect((await readiness()).status).toBe(200);
    // A declared alias: its args are checked while Redis answers.
    const contract = { argsSchema: { type: 'integer' } };
    expect((await stack.http('PUT', `/v1/apps/${app}/aliases/counted`, contract)).status).toBe(200);
    expect((await register({ alias: 'counted', args: 'not an integer' })).status).toBe(400);

    await redis.stop();
    const elapsed = await expectUnavailable('redis', () => register({ idempotencyKey: 'during-redis-outage' }));
    const ready = await readinessBecomes(503, 10_000);
    expect(ready.body).toMatchObject({ status: 'not-ready', checks: { redis: 'down', temporal: 'ok' } });
    // No token is configured here (development mode): the reason is shown.
    expect(ready.body.reasons?.redis).toEqual(expect.any(String));
    // Redis only answers for idempotency keys: the rest of the API does not need it.
    const unkeyed = await register({});
    expect(unkeyed.status).toBe(201);
    expect((await stack.http('GET', `/v1/apps/${app}/callbacks/${unkeyed.body.uid as string}`)).status).toBe(200);
    // The args contract lives in Redis: while it is down the check is skipped (and counted), not a 503.
    expect((await register({ alias: 'counted', args: 'not an integer' })).status).toBe(201);
    const skipped = (await stack.metrics.argsChecksSkipped.get()).values.find((value) => value.labels.app === app);
    expect(skipped?.value).toBeGreaterThanOrEqual(1);
    console.log(`[outage] redis down: keyed registration answered 503 in ${elapsed} ms`);

    await redis.restart?.();
    const recoveredAt = Date.now();
    // The same request now registers (201, not a replay): the refused one left nothing behind.
    const retried = await waitFor('keyed registration after Redis is back', async () => {
      const response = await register({ idempotencyKey: 'during-redis-outage' });
      return response.status === 503 ? undefined : response;
    }, { timeoutMs: 15_000, intervalMs: 250 });
    expect(retried.status).toBe(201);
    expect((await register({ idempotencyKey: 'during-redis-outage' })).status).toBe(200);
    expect((await readinessBecomes(200, 10_000)).body).toMatchObject({ status: 'ready', checks: { redis: 'ok', temporal: 'ok' } });
    console.log(`[outage] redis back: recovered in ${Date.now() - recoveredAt} ms`);
  });
});

describe('Temporal down', () => {
  it('answers register, read and cancel 503, /readyz names temporal, and it recovers on a new server', async () => {
    const existing = await register({});
    expect(existing.status).toBe(201);

    await temporal.stop();
    const timings = [
      await expectOutcomeUnknown(() => register({})),
      await expectOutcomeUnknown(() => register({ idempotencyKey: 'during-temporal-outage' })),
      await expectUnavailable('temporal', () => stack.http('GET', `/v1/apps/${app}/callbacks/${existing.body.uid as string}`)),
      await expectUnavailable('temporal', () => stack.http('DELETE', `/v1/apps/${app}/callbacks/${existing.body.uid as string}`)),
    ];
    const ready = await readinessBecomes(503, 10_000);
    expect(ready.body).toMatchObject({ status: 'not-ready', checks: { temporal: 'down', redis: 'ok' } });
    console.log(`[outage] temporal down: 503 in ${timings.join(', ')} ms`);
    // A batch: each item answers the single route's 503 (an item sent: its outcome unknown; once one
    // has, the items not yet sent answer that Temporal is unreachable without waiting).
    const batchStarted = Date.now();
    const batch = await stack.http('POST', `/v1/apps/${app}/callbacks/batch`, {
      items: Array.from({ length: 200 }, () => ({ alias: 'tick', delaySeconds: 3600 })),
    });
    expect(batch.status).toBe(200);
    const items = batch.body.items as Array<{ status: number; error: { code: string; details: unknown[] }; retryAfterSeconds: number }>;
    for (const item of items) {
      if (item.error.code === 'REGISTRATION_OUTCOME_UNKNOWN') expect(item).toMatchObject({ status: 503, error: { details: [{ uid: expect.any(String) }] } });
      else expect(item).toMatchObject({ status: 503, error: { code: 'DEPENDENCY_UNAVAILABLE', details: [{ dependency: 'temporal' }] } });
      expect(item.retryAfterSeconds).toBeGreaterThan(0);
    }
    // At most one wave of items was sent (BATCH_CONCURRENCY); the rest were answered without.
    expect(items.filter((item) => item.error.code === 'DEPENDENCY_UNAVAILABLE').length).toBeGreaterThan(100);
    console.log(`[outage] temporal down: a batch of 200 answered 503 per item in ${Date.now() - batchStarted} ms`);

    const [host, port] = temporal.address.split(':');
    expect(host).toBe('127.0.0.1');
    temporal = await startTemporalDevServer({ binaryPath: inject('temporalBinary'), port: Number(port), uiPort: Number(new URL(temporal.uiUrl).port), stdio: 'ignore' });
    const recoveredAt = Date.now();
    const again = await waitFor('registration after Temporal is back', async () => {
      const response = await register({ idempotencyKey: 'during-temporal-outage' });
      return response.status === 503 ? undefined : response;
    }, { timeoutMs: 30_000, intervalMs: 500 });
    expect(again.status).toBe(201);
    await readinessBecomes(200, 30_000);
    console.log(`[outage] temporal back: recovered in ${Date.now() - recoveredAt} ms`);

    // The service worker is back too: a new callback fires on an application worker.
    const client = stack.client(app);
    client.define('tick', async () => 'tock');
    await client.start();
    const { uid } = await client.register({ alias: 'tick', delaySeconds: 1 });
    const done = await waitFor('fired after recovery', async () => {
      const callback = await client.get(uid);
      return callback.status === 'succeeded' ? callback : undefined;
    }, { timeoutMs: 30_000, intervalMs: 250 });
    expect(done.result).toBe('tock');
  });
});
