/**
 * Webhook callbacks end to end: registered through the facade, fired by the version-2 workflow on a
 * real Temporal dev server, delivered by the service worker to receivers on 127.0.0.1
 * (WEBHOOK_ALLOWED_CIDRS=127.0.0.1/32) and verified with the `standardwebhooks` package. The
 * Done-when list of issue 15: every delivery verifies; 500 then 200 is two deliveries with one
 * webhook-id and success on attempt 2; 410 fails after one attempt; a 302 is not followed; a target
 * outside the allowed ranges is never contacted. Also Retry-After (and its cap), cancel and
 * reschedule while waiting, a schedule's webhook fires, and the history shape of the cheap path.
 *
 * The file runs in a namespace of its own: its service worker (with this file's secret and allowed
 * ranges) is the only one that takes its workflow tasks. The worker is started here, not by the
 * stack, with fewer allowed ranges than the facade: the facade accepts 127.0.0.2 at registration,
 * the worker refuses it at connect time, which is how a host name that resolves to a blocked
 * address (DNS rebinding) fails.
 */
import { randomBytes } from 'node:crypto';
import { createServer, type Server, type Socket } from 'node:net';
import pino from 'pino';
import { Webhook } from 'standardwebhooks';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseAllowedCidrs } from '../../activities/webhook/target-policy.js';
import { superviseServiceWorker, type ServiceWorkerHandle } from '../../server/worker.js';
import { waitFor } from '../../scripts/lib/wait-for.js';
import { historyOf, ofType } from '../helpers/history.js';
import { createNamespace } from '../helpers/namespace.js';
import { startTestStack, uniqueName, type TestStack } from '../helpers/stack.js';
import { startReceiver, type Receiver, type ReceivedRequest, type ScriptedAnswer } from '../helpers/webhook-receiver.js';
import { inject } from 'vitest';
import { resendAfter503 } from '../helpers/transient.js';

const SECRET = `whsec_${randomBytes(32).toString('base64')}`;
const HEADER_VALUE = `Bearer ${randomBytes(12).toString('hex')}`;
const app = uniqueName('hooks-e2e');
const FINAL = ['succeeded', 'failed', 'cancelled'];

let stack: TestStack;
let worker: ServiceWorkerHandle;
const cleanups: Array<() => Promise<void>> = [];

beforeAll(async () => {
  const namespace = await createNamespace('webhooks');
  const env = { TEMPORAL_NAMESPACE: namespace, WEBHOOK_SIGNING_SECRETS: `${app}=${SECRET}`, WEBHOOK_ALLOWED_CIDRS: '127.0.0.1/32,127.0.0.2/32' };
  stack = await startTestStack({ env, serviceWorker: false });
  const workerConfig = { ...stack.config, webhooks: { ...stack.config.webhooks, allowedCidrs: parseAllowedCidrs('127.0.0.1/32') } };
  worker = superviseServiceWorker(workerConfig, { log: pino({ level: 'warn' }), workflowBundle: { codePath: inject('workflowBundlePath') } });
  await waitFor('service worker running', async () => worker.state() === 'running', { timeoutMs: 30_000 });
}, 120_000);
afterAll(async () => {
  for (const cleanup of cleanups) await cleanup();
  await worker?.stop();
  await stack?.close();
});

async function receiver(answers: ScriptedAnswer[] | ((request: ReceivedRequest) => ScriptedAnswer)): Promise<Receiver> {
  const started = await startReceiver(answers);
  cleanups.push(() => started.close());
  return started;
}

/** A receiver that answers 200 with a JSON body only to deliveries that verify, 401 to others. */
function verifying(request: ReceivedRequest): ScriptedAnswer {
  try {
    const event = new Webhook(SECRET).verify(request.rawBody, request.headers as Record<string, string>) as { data: { attempt: number } };
    return { status: 200, headers: { 'content-type': 'application/json' }, body: JSON.stringify({ verified: true, attempt: event.data.attempt }) };
  } catch {
    return { status: 401 };
  }
}

const verify = (request: ReceivedRequest) =>
  new Webhook(SECRET).verify(request.rawBody, request.headers as Record<string, string>) as {
    type: string;
    data: { uid: string; app: string; alias: string; args: unknown; attempt: number };
  };

const callbacks = `/v1/apps/${app}/callbacks`;

async function register(url: string, extra: Record<string, unknown> = {}): Promise<string> {
  const response = await stack.http('POST', callbacks, {
    alias: 'order-expired',
    args: { order: 42 },
    delaySeconds: 1,
    webhook: { url, headers: { authorization: HEADER_VALUE } },
    ...extra,
  });
  expect(response.status, JSON.stringify(response.body)).toBe(201);
  return response.body.uid as string;
}

async function get(uid: string): Promise<any> {
  const response = await stack.http('GET', `${callbacks}/${uid}`);
  expect(response.status, JSON.stringify(response.body)).toBe(200);
  return response.body;
}

async function settled(uid: string, timeoutMs = 30_000): Promise<any> {
  return waitFor(`${uid} to finish`, async () => {
    const callback = await get(uid);
    return FINAL.includes(callback.status) ? callback : undefined;
  }, { timeoutMs, intervalMs: 200 });
}

const retry = (maxAttempts: number, intervalSeconds = 1, maxIntervalSeconds = intervalSeconds) => ({
  maxAttempts,
  backoff: 'fixed',
  intervalSeconds,
  maxIntervalSeconds,
});

describe.concurrent('a webhook callback', () => {
  it('is delivered signed: a receiver that verifies with standardwebhooks accepts every delivery, and the answer is the result', async () => {
    const target = await receiver(verifying);
    const uids = await Promise.all([1, 2, 3].map(() => register(target.url())));
    const done = await Promise.all(uids.map((uid) => settled(uid)));
    for (const callback of done) {
      expect(callback).toMatchObject({ status: 'succeeded', attempts: 1, result: { verified: true, attempt: 1 }, lastError: null });
      expect(callback.attemptHistory).toHaveLength(1);
      expect(callback.attemptHistory[0]).toMatchObject({ attempt: 1, error: null, httpStatus: 200 });
      expect(callback.attemptHistory[0].durationMs).toBeGreaterThanOrEqual(0);
      expect(callback.latenessMs).toBeGreaterThanOrEqual(0);
    }
    expect(target.requests).toHaveLength(3);
    for (const request of target.requests) {
      const event = verify(request);
      expect(event).toMatchObject({ type: 'callback.fired', data: { app, alias: 'order-expired', args: { order: 42 }, attempt: 1 } });
      expect(request.headers['webhook-id']).toBe(`callback:${app}:${event.data.uid}`);
      expect(request.headers.authorization).toBe(HEADER_VALUE);
    }
    expect(new Set(target.requests.map((r) => verify(r).data.uid))).toEqual(new Set(uids));
  });

  it('is finished in one workflow task by a local activity: no activity task, no timer, one marker', async () => {
    const target = await receiver([{ status: 204 }]);
    const uid = await register(target.url());
    expect(await settled(uid)).toMatchObject({ status: 'succeeded', result: null });
    const events = await historyOf(stack.temporal, app, uid);
    const types = events.map((event) => event.type);
    expect(ofType(events, 'ACTIVITY_TASK_SCHEDULED'), types.join(' ')).toHaveLength(0);
    expect(ofType(events, 'TIMER_STARTED'), types.join(' ')).toHaveLength(0);
    expect(ofType(events, 'MARKER_RECORDED'), types.join(' ')).toHaveLength(1);
    expect(ofType(events, 'WORKFLOW_TASK_COMPLETED'), types.join(' ')).toHaveLength(1);
    expect(types.at(-1)).toBe('WORKFLOW_EXECUTION_COMPLETED');
  });

  it('500 then 200: two deliveries with one webhook-id, succeeded on attempt 2, each attempt with its status', async () => {
    const target = await receiver([{ status: 500, body: 'database down' }, { status: 200, body: '{"paid":true}' }]);
    const uid = await register(target.url(), { retry: retry(3) });
    const callback = await settled(uid);
    expect(callback).toMatchObject({ status: 'succeeded', attempts: 2, result: { paid: true } });
    expect(callback.attemptHistory).toMatchObject([
      { attempt: 1, httpStatus: 500, error: { code: 'WEBHOOK_HTTP_STATUS', message: expect.stringContaining('500') } },
      { attempt: 2, httpStatus: 200, error: null },
    ]);
    expect(target.requests).toHaveLength(2);
    expect(new Set(target.requests.map((r) => r.headers['webhook-id']))).toEqual(new Set([`callback:${app}:${uid}`]));
    expect(target.requests.map((r) => verify(r).data.attempt)).toEqual([1, 2]);
    // The strategy's backoff between them (1 s), never less.
    expect(target.requests[1]!.at - target.requests[0]!.at).toBeGreaterThanOrEqual(1_000);
  });

  it('410 fails it after one attempt, with attempts left; a redrive delivers it again to the same URL', async () => {
    const target = await receiver([{ status: 410 }, { status: 200, body: '{"back":true}' }]);
    const uid = await register(target.url(), { retry: retry(5) });
    const callback = await settled(uid);
    expect(callback).toMatchObject({ status: 'failed', attempts: 1, lastError: { code: 'WEBHOOK_GONE' }, nextAttemptAt: null });
    expect(callback.attemptHistory).toMatchObject([{ attempt: 1, httpStatus: 410, error: { code: 'WEBHOOK_GONE' } }]);
    expect(target.requests).toHaveLength(1);

    const redriven = await stack.http('POST', `${callbacks}/${uid}/retry`);
    expect(redriven.status, JSON.stringify(redriven.body)).toBe(200);
    expect(await settled(uid)).toMatchObject({ status: 'succeeded', attempts: 1, result: { back: true } });
    expect(target.requests).toHaveLength(2);
    expect(target.requests[1]!.headers.authorization).toBe(HEADER_VALUE);
    expect(new Set(target.requests.map((r) => r.headers['webhook-id']))).toEqual(new Set([`callback:${app}:${uid}`]));
  });

  it('a 302 is a failed attempt and its Location is never contacted', async () => {
    const elsewhere = await receiver([{ status: 200 }]);
    const redirecting = await receiver([{ status: 302, headers: { location: elsewhere.url('/moved') } }]);
    const uid = await register(redirecting.url(), { retry: null });
    const callback = await settled(uid);
    expect(callback).toMatchObject({ status: 'failed', attempts: 1, lastError: { code: 'WEBHOOK_HTTP_STATUS', message: expect.stringContaining('302') } });
    expect(callback.attemptHistory[0]).toMatchObject({ httpStatus: 302 });
    expect(redirecting.requests).toHaveLength(1);
    expect(elsewhere.requests).toHaveLength(0);
  });

  it('a target outside WEBHOOK_ALLOWED_CIDRS is never contacted: refused at registration (literal IP), failed at connect time otherwise', async () => {
    const recorder = await connectionRecorder('127.0.0.2');
    // The facade does not open 127.0.0.3: 400, nothing registered.
    const refused = await stack.http('POST', callbacks, { alias: 'order-expired', delaySeconds: 1, webhook: { url: `http://127.0.0.3:${recorder.port}/hook` } });
    expect(refused.status).toBe(400);
    expect(refused.body.error).toMatchObject({ code: 'WEBHOOK_TARGET_BLOCKED', details: [{ field: 'body.webhook.url', address: '127.0.0.3', range: 'loopback' }] });
    // The facade opens 127.0.0.2, the service worker does not: the attempt fails before connecting.
    const uid = await register(`http://127.0.0.2:${recorder.port}/hook`, { retry: retry(2) });
    const callback = await settled(uid);
    expect(callback).toMatchObject({ status: 'failed', attempts: 2, lastError: { code: 'WEBHOOK_TARGET_BLOCKED' } });
    expect(callback.attemptHistory.map((a: { httpStatus: unknown }) => a.httpStatus)).toEqual([null, null]);
    expect(recorder.connections).toBe(0);
  });

  it('429 with Retry-After: the next attempt waits for it', async () => {
    const target = await receiver([{ status: 429, headers: { 'retry-after': '3' } }, { status: 200 }]);
    const uid = await register(target.url(), { retry: retry(3, 1, 60) });
    expect(await settled(uid)).toMatchObject({ status: 'succeeded', attempts: 2 });
    expect(target.requests).toHaveLength(2);
    expect(target.requests[1]!.at - target.requests[0]!.at).toBeGreaterThanOrEqual(3_000);
  });

  it("503 with a Retry-After beyond the strategy's maxIntervalSeconds waits the cap, not the Retry-After", async () => {
    const target = await receiver([{ status: 503, headers: { 'retry-after': '3600' } }, { status: 200 }]);
    const uid = await register(target.url(), { retry: retry(3, 1, 2) });
    await waitFor('the retry wait', async () => (await get(uid)).status === 'retrying', { timeoutMs: 30_000, intervalMs: 100 });
    const waiting = await get(uid);
    const last = waiting.attemptHistory.at(-1);
    // Workflow times: the next attempt is the cap (2 s) after the failed one ended, not an hour.
    expect(Date.parse(waiting.nextAttemptAt) - Date.parse(last.finishedAt)).toBe(2_000);
    expect(await settled(uid)).toMatchObject({ status: 'succeeded', attempts: 2 });
    expect(target.requests[1]!.at - target.requests[0]!.at).toBeGreaterThanOrEqual(2_000);
  });

  it('is cancelled while scheduled and while waiting for a retry; nothing more is sent', async () => {
    const target = await receiver([{ status: 500 }]);
    const pending = await register(target.url(), { delaySeconds: 2 });
    const cancelled = await stack.http('DELETE', `${callbacks}/${pending}`);
    expect(cancelled.status, JSON.stringify(cancelled.body)).toBe(200);
    expect(cancelled.body).toEqual({ uid: pending, status: 'cancelled' });

    const retrying = await register(target.url(), { retry: retry(3, 5) });
    await waitFor('the retry wait', async () => (await get(retrying)).status === 'retrying', { timeoutMs: 30_000, intervalMs: 100 });
    expect((await stack.http('DELETE', `${callbacks}/${retrying}`)).status).toBe(200);

    await new Promise((resolve) => setTimeout(resolve, 7_000));
    expect(await get(pending)).toMatchObject({ status: 'cancelled', attempts: 0 });
    expect(await get(retrying)).toMatchObject({ status: 'cancelled', attempts: 1 });
    // Only the retrying one's first attempt was ever sent.
    expect(target.requests.map((r) => verify(r).data.uid)).toEqual([retrying]);
  });

  it('answers cancel and reschedule with 409 CALLBACK_RUNNING while its delivery is in flight, as for a running handler', async () => {
    // A slow receiver: the local activity outlives 80% of the workflow task timeout, so the worker
    // heartbeats the task and the workflow sees the updates while the request is still open.
    const target = await receiver([{ status: 200, body: '{"slow":true}', delayMs: 25_000 }]);
    const uid = await register(target.url(), { attemptTimeoutSeconds: 30 });
    await waitFor('the delivery to arrive', async () => target.requests.length === 1, { timeoutMs: 30_000, intervalMs: 50 });
    // One re-send after a transient 503 (helpers/transient.ts): each answer may take the dependency
    // timeout (5 s), all within the 25 s the delivery is held.
    const cancel = await resendAfter503(() => stack.http('DELETE', `${callbacks}/${uid}`), 1);
    expect(cancel.status, JSON.stringify(cancel.body)).toBe(409);
    expect(cancel.body.error.code).toBe('CALLBACK_RUNNING');
    const move = await resendAfter503(() => stack.http('PATCH', `${callbacks}/${uid}`, { delaySeconds: 60 }), 1);
    expect(move.status, JSON.stringify(move.body)).toBe(409);
    expect(move.body.error.code).toBe('CALLBACK_RUNNING');
    expect(await settled(uid)).toMatchObject({ status: 'succeeded', attempts: 1, result: { slow: true } });
    expect(target.requests).toHaveLength(1);
  });

  it('answers cancel 409 CALLBACK_FINISHED when the delivery in flight then succeeds: one delivery, never cancelled after it', async () => {
    const target = await receiver([{ status: 200, body: '{"slow":true}', delayMs: 2_000 }]);
    const uid = await register(target.url());
    await waitFor('the delivery to arrive', async () => target.requests.length === 1, { timeoutMs: 30_000, intervalMs: 50 });
    const cancel = await stack.http('DELETE', `${callbacks}/${uid}`);
    expect(cancel.status, JSON.stringify(cancel.body)).toBe(409);
    expect(cancel.body.error).toMatchObject({ code: 'CALLBACK_FINISHED', details: [{ status: 'succeeded' }] });
    expect(await get(uid)).toMatchObject({ status: 'succeeded', attempts: 1, result: { slow: true } });
    expect(target.requests).toHaveLength(1);
    // Still one workflow task: the update did not cost the delivery a second one.
    expect(ofType(await historyOf(stack.temporal, app, uid), 'WORKFLOW_TASK_COMPLETED')).toHaveLength(1);
  });

  it('is rescheduled while scheduled and delivered at the new time', async () => {
    const target = await receiver([{ status: 200 }]);
    const uid = await register(target.url(), { delaySeconds: 3600 });
    const at = Date.now() + 1_500;
    const moved = await stack.http('PATCH', `${callbacks}/${uid}`, { triggerAt: new Date(at).toISOString() });
    expect(moved.status, JSON.stringify(moved.body)).toBe(200);
    expect(await settled(uid)).toMatchObject({ status: 'succeeded', attempts: 1 });
    expect(target.requests).toHaveLength(1);
    expect(target.requests[0]!.at).toBeGreaterThanOrEqual(at);
  });
});

describe('a schedule with a webhook', () => {
  it('delivers each fire to the URL, signed; shows the URL and header names, never the values; PATCH moves it', async () => {
    const first = await receiver(verifying);
    const second = await receiver(verifying);
    const base = `/v1/apps/${app}/schedules`;
    const created = await stack.http('POST', base, {
      scheduleId: 'hourly-hook',
      alias: 'tick',
      args: { kind: 'hourly' },
      every: '1h',
      webhook: { url: first.url(), headers: { authorization: HEADER_VALUE } },
    });
    expect(created.status, JSON.stringify(created.body)).toBe(201);
    expect(created.body.webhook).toEqual({ url: first.url(), headerNames: ['authorization'] });
    expect(JSON.stringify(created.body)).not.toContain(HEADER_VALUE);

    // The same checks as a registration's webhook.
    const blocked = await stack.http('POST', base, { alias: 'tick', every: '1h', webhook: { url: 'http://10.0.0.1/hook' } });
    expect(blocked.status).toBe(400);
    expect(blocked.body.error.code).toBe('WEBHOOK_TARGET_BLOCKED');
    const badHeader = await stack.http('POST', base, { alias: 'tick', every: '1h', webhook: { url: first.url(), headers: { host: 'x' } } });
    expect(badHeader.status).toBe(400);
    expect(badHeader.body.error).toMatchObject({ code: 'VALIDATION_FAILED', details: [{ field: 'body.webhook.headers.host' }] });

    expect((await stack.http('POST', `${base}/hourly-hook/trigger`)).status).toBe(200);
    await waitFor('the first fire delivered', async () => first.requests.length === 1, { timeoutMs: 30_000 });
    const fire = verify(first.requests[0]!);
    expect(fire.data).toMatchObject({ app, alias: 'tick', args: { kind: 'hourly' }, attempt: 1 });
    expect(first.requests[0]!.headers.authorization).toBe(HEADER_VALUE);
    expect(await settled(fire.data.uid)).toMatchObject({ status: 'succeeded', result: { verified: true, attempt: 1 } });

    const patched = await stack.http('PATCH', `${base}/hourly-hook`, { webhook: { url: second.url('/v2') } });
    expect(patched.status, JSON.stringify(patched.body)).toBe(200);
    expect(patched.body.webhook).toEqual({ url: second.url('/v2'), headerNames: [] });
    expect((await stack.http('POST', `${base}/hourly-hook/trigger`)).status).toBe(200);
    await waitFor('the second fire delivered', async () => second.requests.length === 1, { timeoutMs: 30_000 });
    expect(second.requests[0]!.path).toBe('/v2');
    expect(first.requests).toHaveLength(1);

    const removed = await stack.http('PATCH', `${base}/hourly-hook`, { webhook: null });
    expect(removed.body.webhook).toBeNull();
    expect((await stack.http('DELETE', `${base}/hourly-hook`)).status).toBe(200);
  });
});

/** A listening socket on `host` (a loopback address) that counts the connections made to it. */
async function connectionRecorder(host: string): Promise<{ port: number; connections: number }> {
  const sockets = new Set<Socket>();
  const recorder = { port: 0, connections: 0 };
  const server: Server = createServer((socket) => {
    recorder.connections++;
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, host, resolve);
  });
  const address = server.address();
  recorder.port = typeof address === 'object' && address ? address.port : 0;
  cleanups.push(
    () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  );
  return recorder;
}
