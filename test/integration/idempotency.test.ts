/** Idempotent registration: same key and body = same callback, once, also when requests race or Redis forgets. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DelayCallbackClient } from '../../client-sdk/index.js';
import { deterministicUid, fingerprintOf } from '../../server/callbacks/registration.js';
import { callbackWorkflowId } from '../../workflows/contract.js';
import { workflowExists as exists } from '../helpers/history.js';
import { Recorder, waitForStatus } from '../helpers/recorder.js';
import { startTestStack, uniqueName, type TestStack } from '../helpers/stack.js';

let stack: TestStack;
let client: DelayCallbackClient;
const recorder = new Recorder();

beforeAll(async () => {
  stack = await startTestStack();
  client = stack.client(uniqueName('idem'));
  client.define('ok', recorder.wrap(async () => true));
  await client.start();
});
afterAll(async () => stack?.close());

const path = (): string => `/v1/apps/${client.app}/callbacks`;

const workflowExists = (uid: string): Promise<boolean> => exists(stack.temporal, client.app, uid);

describe.concurrent('idempotency keys', () => {
  it('replays the same key and body: same uid, 200, Idempotent-Replayed, one run', async () => {
    const key = uniqueName('order-42');
    const body = { alias: 'ok', args: { order: 42 }, delaySeconds: 1, idempotencyKey: key };
    const first = await stack.http('POST', path(), body);
    const second = await stack.http('POST', path(), body);
    expect(first.status).toBe(201);
    expect(first.headers.get('idempotent-replayed')).toBeNull();
    expect(second.status).toBe(200);
    expect(second.headers.get('idempotent-replayed')).toBe('true');
    expect(second.body.uid).toBe(first.body.uid);
    // The same delaySeconds is the same body: the replay shows the original trigger time.
    expect(second.body.triggerAt).toBe(first.body.triggerAt);
    expect(second.body.createdAt).toBe(first.body.createdAt);
    await waitForStatus(client, first.body.uid, 'succeeded');
    const third = await stack.http('POST', path(), body);
    expect(third).toMatchObject({ status: 200, body: { uid: first.body.uid, status: 'succeeded' } });
    expect(recorder.runsOf(first.body.uid)).toHaveLength(1);
  });

  it('ignores key order and whitespace when comparing bodies', async () => {
    const key = uniqueName('k');
    const a = await stack.http('POST', path(), `{"alias":"ok","delaySeconds":60,"args":{"x":1,"y":[1,2]},"idempotencyKey":"${key}"}`);
    const b = await stack.http('POST', path(), `{ "idempotencyKey" : "${key}", "args" : { "y" : [1, 2], "x" : 1 },\n "delaySeconds": 60, "alias": "ok" }`);
    expect([a.status, b.status]).toEqual([201, 200]);
    expect(b.body.uid).toBe(a.body.uid);
    await client.unregister(a.body.uid);
  });

  it('refuses the same key with a different body (409) and registers nothing', async () => {
    const key = uniqueName('k');
    const first = await stack.http('POST', path(), { alias: 'ok', delaySeconds: 60, idempotencyKey: key });
    const other = { alias: 'ok', delaySeconds: 61, idempotencyKey: key };
    const conflict = await stack.http('POST', path(), other);
    expect(first.status).toBe(201);
    expect(conflict.status).toBe(409);
    expect(conflict.body.error.code).toBe('IDEMPOTENCY_KEY_REUSED');
    expect(await workflowExists(deterministicUid(client.app, key, fingerprintOf(other)))).toBe(false);
    await client.unregister(first.body.uid);
  });

  it('takes the key from the Idempotency-Key header, and refuses a header that differs from the body', async () => {
    const key = uniqueName('hdr');
    const viaHeader = await stack.http('POST', path(), { alias: 'ok', delaySeconds: 60 }, { 'idempotency-key': key });
    const viaBody = await stack.http('POST', path(), { alias: 'ok', delaySeconds: 60, idempotencyKey: key });
    expect([viaHeader.status, viaBody.status]).toEqual([201, 200]);
    expect(viaBody.body.uid).toBe(viaHeader.body.uid);
    const mismatch = await stack.http('POST', path(), { alias: 'ok', delaySeconds: 60, idempotencyKey: key }, { 'idempotency-key': `${key}-x` });
    expect(mismatch.status).toBe(400);
    expect(mismatch.body.error.code).toBe('VALIDATION_FAILED');
    await client.unregister(viaHeader.body.uid);
  });

  it('registers exactly one callback when 20 requests with one key race', async () => {
    const key = uniqueName('race');
    const body = { alias: 'ok', delaySeconds: 1, idempotencyKey: key };
    const responses = await Promise.all(Array.from({ length: 20 }, () => stack.http('POST', path(), body)));
    const uids = new Set(responses.map((r) => r.body.uid));
    expect(uids.size).toBe(1);
    expect(responses.filter((r) => r.status === 201)).toHaveLength(1);
    expect(responses.filter((r) => r.status === 200)).toHaveLength(19);
    const [uid] = [...uids] as [string];
    await waitForStatus(client, uid, 'succeeded');
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect(recorder.runsOf(uid)).toHaveLength(1);
  });

  it('still answers with the existing callback when Redis lost the key; a different body then registers anew', async () => {
    const key = uniqueName('lost');
    const body = { alias: 'ok', delaySeconds: 60, idempotencyKey: key };
    const first = await stack.http('POST', path(), body);
    expect(await stack.redis.del(`${stack.config.redis.keyPrefix}idempotency:${client.app}:${key}`)).toBe(1);
    const replay = await stack.http('POST', path(), body);
    expect(replay).toMatchObject({ status: 200, body: { uid: first.body.uid } });
    await stack.redis.del(`${stack.config.redis.keyPrefix}idempotency:${client.app}:${key}`);
    const fresh = await stack.http('POST', path(), { ...body, delaySeconds: 61 });
    expect(fresh.status).toBe(201);
    expect(fresh.body.uid).not.toBe(first.body.uid);
    await Promise.all([client.unregister(first.body.uid), client.unregister(fresh.body.uid)]);
  });
});

describe('idempotency key TTL', () => {
  it('forgets a key after IDEMPOTENCY_TTL_SECONDS', async () => {
    const shortLived = await startTestStack({ env: { IDEMPOTENCY_TTL_SECONDS: '1' }, serviceWorker: false });
    try {
      const app = uniqueName('ttl');
      const key = uniqueName('k');
      const first = await shortLived.http('POST', `/v1/apps/${app}/callbacks`, { alias: 'ok', delaySeconds: 60, idempotencyKey: key });
      const conflict = await shortLived.http('POST', `/v1/apps/${app}/callbacks`, { alias: 'ok', delaySeconds: 61, idempotencyKey: key });
      expect([first.status, conflict.status]).toEqual([201, 409]);
      await new Promise((resolve) => setTimeout(resolve, 1_500));
      const later = await shortLived.http('POST', `/v1/apps/${app}/callbacks`, { alias: 'ok', delaySeconds: 61, idempotencyKey: key });
      expect(later.status).toBe(201);
      for (const uid of [first.body.uid, later.body.uid]) {
        await shortLived.temporal.workflow.getHandle(callbackWorkflowId(app, uid)).terminate('test cleanup');
      }
    } finally {
      await shortLived.close();
    }
  });
});
