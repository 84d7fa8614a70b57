/**
 * Bulk registration: one request registers up to 1000 callbacks, each item answered exactly as
 * the single route would answer it; a retried batch registers nothing twice and answers the same
 * uids; the batch has its own body limit; the SDK's registerMany keys every item.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DelayCallbackClient } from '../../client-sdk/index.js';
import { deterministicUid, fingerprintOf } from '../../server/callbacks/registration.js';
import { waitFor } from '../../scripts/lib/wait-for.js';
import { callbackWorkflowId, searchAttributes } from '../../workflows/contract.js';
import { Recorder, waitForStatus } from '../helpers/recorder.js';
import { startTestStack, uniqueName, type TestStack } from '../helpers/stack.js';

const BATCH_MAX_BODY_BYTES = 400_000;

let stack: TestStack;
const recorder = new Recorder();

beforeAll(async () => {
  stack = await startTestStack({ env: { BATCH_MAX_BODY_BYTES: String(BATCH_MAX_BODY_BYTES), BATCH_CONCURRENCY: '16' } });
});
afterAll(async () => stack?.close());

const batchPath = (app: string): string => `/v1/apps/${app}/callbacks/batch`;
const singlePath = (app: string): string => `/v1/apps/${app}/callbacks`;

/** Callbacks of `app` Temporal knows, once visibility has caught up with `expected`. */
async function countOf(app: string, expected: number): Promise<number> {
  const query = `${searchAttributes.app.name} = '${app}'`;
  let count = -1;
  await waitFor(`${expected} callbacks of ${app} in visibility`, async () => {
    count = (await stack.temporal.workflow.count(query)).count;
    return count >= expected;
  }, { timeoutMs: 120_000, intervalMs: 250 }).catch(() => undefined);
  return count;
}

describe('POST /v1/apps/{app}/callbacks/batch', () => {
  it('registers 1000 callbacks in one request; the same batch retried registers nothing and answers the same uids', async () => {
    const app = uniqueName('bulk');
    const key = uniqueName('batch');
    const items = Array.from({ length: 1000 }, (_, i) => ({ alias: 'tick', args: { n: i }, delaySeconds: 3600 + i }));

    const first = await stack.http('POST', batchPath(app), { items }, { 'idempotency-key': key });
    expect(first.status).toBe(200);
    expect(first.body.items).toHaveLength(1000);
    expect(first.body.items.every((item: { status: number }) => item.status === 201)).toBe(true);
    const uids = first.body.items.map((item: { callback: { uid: string } }) => item.callback.uid);
    expect(new Set(uids).size).toBe(1000);
    // Request order, and each item's uid is the one its derived key `<key>:<index>` gives.
    expect(first.body.items[7].callback).toMatchObject({ app, alias: 'tick', status: 'scheduled' });
    expect(uids[7]).toBe(deterministicUid(app, `${key}:7`, fingerprintOf(items[7]!)));
    expect(await countOf(app, 1000)).toBe(1000);

    const again = await stack.http('POST', batchPath(app), { items }, { 'idempotency-key': key });
    expect(again.status).toBe(200);
    expect(again.body.items.every((item: { status: number }) => item.status === 200)).toBe(true);
    expect(again.body.items.map((item: { callback: { uid: string } }) => item.callback.uid)).toEqual(uids);
    // Still exactly 1000: nothing was registered twice (visibility is given time to show a 1001st).
    await new Promise((resolve) => setTimeout(resolve, 1_500));
    expect(await countOf(app, 1000)).toBe(1000);
    // 2000 registrations: seconds alone, minutes on a machine busy with other suites.
  }, 600_000);

  it('answers each item as the single route would: status and error envelope, nothing registered for a refused item', async () => {
    const app = uniqueName('bulk-mixed');
    const taken = uniqueName('taken');
    await stack.http('POST', singlePath(app), { alias: 'tick', delaySeconds: 3600, idempotencyKey: taken });
    const bad = [
      { alias: 'tick', delaySeconds: -1 },
      { alias: 'tick', delaySeconds: 5, surprise: true },
      { alias: 'tick', delaySeconds: '5' },
      { alias: 'tick' },
      { alias: 'tick', delaySeconds: 5, triggerAt: 1 },
      { alias: 'bad alias!', delaySeconds: 5 },
      { alias: 'tick', delaySeconds: 5, args: 'x'.repeat(70_000) },
      { alias: 'tick', delaySeconds: 5, retry: { intervalSeconds: 10, maxIntervalSeconds: 5 } },
      { alias: 'tick', delaySeconds: 3601, idempotencyKey: taken },
      JSON.parse('{"alias":"tick","delaySeconds":5,"__proto__":{"x":1}}') as Record<string, unknown>,
    ];
    const good = { alias: 'tick', delaySeconds: 3600 };
    const response = await stack.http('POST', batchPath(app), { items: [good, ...bad] });
    expect(response.status).toBe(200);
    expect(response.body.items[0].status).toBe(201);
    for (const [index, body] of bad.entries()) {
      const single = await stack.http('POST', singlePath(app), body);
      expect(single.status, JSON.stringify(body).slice(0, 80)).toBeGreaterThanOrEqual(400);
      expect(response.body.items[index + 1], JSON.stringify(body).slice(0, 80)).toEqual({ status: single.status, ...single.body });
    }
    const statuses = response.body.items.map((item: { status: number }) => item.status);
    expect(statuses).toEqual([201, 400, 400, 400, 400, 400, 400, 413, 400, 409, 400]);
    // The good item and the one registered before: nothing else.
    await new Promise((resolve) => setTimeout(resolve, 1_500));
    expect(await countOf(app, 2)).toBe(2);
  });

  it("lets an item's own idempotencyKey win over the key derived from the batch's header", async () => {
    const app = uniqueName('bulk-keys');
    const own = uniqueName('own');
    const items = [
      { alias: 'tick', delaySeconds: 3600, idempotencyKey: own },
      { alias: 'tick', delaySeconds: 3600 },
    ];
    const response = await stack.http('POST', batchPath(app), { items }, { 'idempotency-key': 'batch-key' });
    expect(response.body.items.map((item: { status: number }) => item.status)).toEqual([201, 201]);
    expect(response.body.items[0].callback.uid).toBe(deterministicUid(app, own, fingerprintOf(items[0]!)));
    expect(response.body.items[1].callback.uid).toBe(deterministicUid(app, 'batch-key:1', fingerprintOf(items[1]!)));
    // The same item alone, under its own key, is the same callback.
    const single = await stack.http('POST', singlePath(app), items[0]);
    expect(single).toMatchObject({ status: 200, body: { uid: response.body.items[0].callback.uid } });
  });

  it('refuses a malformed batch as a whole, with the envelope', async () => {
    const app = uniqueName('bulk-bad');
    const cases: Array<[unknown, number, string]> = [
      [{ items: [] }, 400, 'VALIDATION_FAILED'],
      [{ items: Array.from({ length: 1001 }, () => ({ alias: 'tick', delaySeconds: 1 })) }, 400, 'VALIDATION_FAILED'],
      [{ items: [1, 2] }, 400, 'VALIDATION_FAILED'],
      [{ items: {} }, 400, 'VALIDATION_FAILED'],
      [{ items: [{ alias: 'tick', delaySeconds: 1 }], extra: 1 }, 400, 'VALIDATION_FAILED'],
      [[{ alias: 'tick', delaySeconds: 1 }], 400, 'VALIDATION_FAILED'],
      ['{"items": [', 400, 'MALFORMED_JSON'],
    ];
    for (const [body, status, code] of cases) {
      const response = await stack.http('POST', batchPath(app), body);
      expect(response.status, JSON.stringify(body).slice(0, 60)).toBe(status);
      expect(response.body.error.code).toBe(code);
    }
    const longKey = await stack.http('POST', batchPath(app), { items: [{ alias: 'tick', delaySeconds: 1 }] }, { 'idempotency-key': 'k'.repeat(251) });
    expect(longKey.status).toBe(400);
    expect(longKey.body.error.details[0].field).toBe('header.idempotency-key');
    const textPlain = await fetch(`${stack.baseUrl}${batchPath(app)}`, { method: 'POST', headers: { 'content-type': 'text/plain' }, body: 'x' });
    expect(textPlain.status).toBe(415);
    const wrongMethod = await stack.http('GET', batchPath(app));
    expect(wrongMethod.status).toBe(405);
    expect(await countOf(app, 0)).toBe(0);
  });

  it('has a body limit of its own, above the single route\'s: 413 beyond it', async () => {
    const app = uniqueName('bulk-size');
    // 5 items of 60 KB args: above the single route's 80 KiB body limit, below the batch's 400 KB.
    const fits = Array.from({ length: 5 }, () => ({ alias: 'tick', delaySeconds: 3600, args: 'y'.repeat(60_000) }));
    const ok = await stack.http('POST', batchPath(app), { items: fits });
    expect(ok.status).toBe(200);
    expect(ok.body.items.map((item: { status: number }) => item.status)).toEqual([201, 201, 201, 201, 201]);
    const tooBig = await stack.http('POST', batchPath(app), { items: [...fits, ...fits] });
    expect(tooBig.status).toBe(413);
    expect(tooBig.body.error.code).toBe('PAYLOAD_TOO_LARGE');
    await new Promise((resolve) => setTimeout(resolve, 1_000));
    expect(await countOf(app, 5)).toBe(5);
  });
});

describe('SDK registerMany', () => {
  let client: DelayCallbackClient;
  beforeAll(async () => {
    client = stack.client(uniqueName('bulk-sdk'));
    client.define('echo', recorder.wrap(async (req) => ({ echoed: req.args })));
    await client.start();
  });

  it('registers in batches, in order, with per-item errors; called again with the same key it replays the same uids', async () => {
    const key = uniqueName('many');
    const items = [
      { alias: 'echo', args: { n: 0 }, delaySeconds: 0 },
      { alias: 'echo', args: { n: 1 }, delaySeconds: -5 },
      { alias: 'echo', args: { n: 2 }, triggerAt: new Date(Date.now() + 3_600_000) },
    ];
    const first = await client.registerMany(items, { idempotencyKey: key, batchSize: 2 });
    expect(first.map((result) => result.status)).toEqual([201, 400, 201]);
    const [fired, refused, later] = first;
    if (!fired?.ok || refused?.ok !== false || !later?.ok) throw new Error('unexpected results');
    expect(refused.error).toMatchObject({ name: 'DelayCallbackError', code: 'VALIDATION_FAILED', status: 400 });
    expect(fired.replayed).toBe(false);
    expect(later.callback.triggerAt).toBe(new Date(items[2]!.triggerAt as Date).toISOString());

    const again = await client.registerMany(items, { idempotencyKey: key });
    expect(again.map((result) => result.status)).toEqual([200, 400, 200]);
    expect(again.map((result) => (result.ok ? result.callback.uid : null))).toEqual([fired.callback.uid, null, later.callback.uid]);

    const done = await waitForStatus(client, fired.callback.uid, 'succeeded');
    expect(done.result).toEqual({ echoed: { n: 0 } });
    expect(recorder.runsOf(fired.callback.uid)).toHaveLength(1);
    await client.unregister(later.callback.uid);
    expect(await stack.temporal.workflow.getHandle(callbackWorkflowId(client.app, later.callback.uid)).describe()).toBeDefined();
  });
});
