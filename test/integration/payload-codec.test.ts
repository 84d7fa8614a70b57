/**
 * A payload codec on the facade's client, the service worker and the app's worker (a namespace of
 * their own, so no worker without the codec meets these workflows): Temporal stores only encoded
 * payloads, and GET, list, stats, reschedule and cancel still answer plain values.
 */
import { defaultPayloadConverter } from '@temporalio/common';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import type { DelayCallbackClient } from '../../client-sdk/index.js';
import { waitFor } from '../../scripts/lib/wait-for.js';
import { callbackWorkflowId } from '../../workflows/contract.js';
import { BASE64_ENCODING, Base64Codec, encodingOf } from '../helpers/base64-codec.js';
import { waitForStatus } from '../helpers/recorder.js';
import { startTestStack, uniqueName, type TestStack } from '../helpers/stack.js';

const SECRET = { secret: 'plain text the codec must hide' };
let stack: TestStack;
let client: DelayCallbackClient;

beforeAll(async () => {
  stack = await startTestStack({ env: { TEMPORAL_NAMESPACE: inject('codecNamespace') }, dataConverter: { payloadCodecs: [new Base64Codec()] } });
  client = stack.client(uniqueName('codec'));
  client.define('echo', async (req) => ({ got: req.args, attempt: req.attempt }));
  await client.start();
});
afterAll(async () => stack?.close());

/** What Temporal itself stores for a callback: its start event's input and its memo, undecoded. */
async function stored(uid: string) {
  const { workflowService, options } = stack.temporal;
  const execution = { workflowId: callbackWorkflowId(client.app, uid) };
  const history = await workflowService.getWorkflowExecutionHistory({ namespace: options.namespace, execution, maximumPageSize: 1 });
  const description = await workflowService.describeWorkflowExecution({ namespace: options.namespace, execution });
  return {
    input: history.history?.events?.[0]?.workflowExecutionStartedEventAttributes?.input?.payloads?.[0],
    memo: description.workflowExecutionInfo?.memo?.fields ?? {},
  };
}

describe('with a payload codec', () => {
  it('stores only encoded payloads, and reads a waiting callback back in plain values', async () => {
    const registered = await client.register({ alias: 'echo', args: SECRET, delaySeconds: 3_600 });
    const raw = await stored(registered.uid);
    expect(encodingOf(raw.input)).toBe(BASE64_ENCODING);
    expect(Buffer.from(raw.input?.data ?? []).toString()).not.toContain(SECRET.secret);
    expect(encodingOf(raw.memo.createdAt)).toBe(BASE64_ENCODING);
    // What the default converter alone (the code before the codec) would have made of it.
    expect(() => defaultPayloadConverter.fromPayload(raw.memo.createdAt!)).toThrow();

    // Not run yet: GET rebuilds it from the start event's input.
    const read = await client.get(registered.uid);
    expect(read).toMatchObject({ status: 'scheduled', args: SECRET, createdAt: registered.createdAt, attempts: 0 });

    const moved = await client.reschedule(registered.uid, { delaySeconds: 1 });
    expect(moved.args).toEqual(SECRET);
    const done = await waitForStatus(client, registered.uid, 'succeeded');
    expect(done.result).toEqual({ got: SECRET, attempt: 1 });
  });

  it('fires, hands the handler plain args, and shows its plain result', async () => {
    const { uid } = await client.register({ alias: 'echo', args: ['a', 1, null], delaySeconds: 0 });
    const done = await waitForStatus(client, uid, 'succeeded');
    expect(done).toMatchObject({ args: ['a', 1, null], result: { got: ['a', 1, null], attempt: 1 }, attempts: 1 });
  });

  it('lists callbacks and counts them with their memo decoded', async () => {
    const registered = await client.register({ alias: 'echo', args: SECRET, delaySeconds: 3_600 });
    const page = await waitFor('listed', async () => {
      const response = await stack.http('GET', `/v1/apps/${client.app}/callbacks?status=scheduled`);
      return response.body.items?.some((item: { uid: string }) => item.uid === registered.uid) ? response : undefined;
    }, { timeoutMs: 15_000, intervalMs: 200 });
    expect(page.status).toBe(200);
    // createdAt comes from the memo (to the millisecond; the fallback, the start time, has whole seconds).
    const { replayed: _replayed, ...summary } = registered;
    expect(page.body.items.find((item: { uid: string }) => item.uid === registered.uid)).toEqual(summary);
    const stats = await stack.http('GET', `/v1/apps/${client.app}/stats`);
    expect(stats.status).toBe(200);
    expect(stats.body.counts.scheduled).toBeGreaterThanOrEqual(1);
    expect(await client.unregister(registered.uid)).toEqual({ uid: registered.uid, status: 'cancelled' });
    expect((await client.get(registered.uid)).args).toEqual(SECRET);
  });
});
