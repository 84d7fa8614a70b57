/** Cancellation: a definite answer in every state, and a race with the fire that never ends in both. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DelayCallbackClient } from '../../client-sdk/index.js';
import { callbackWorkflowId } from '../../workflows/contract.js';
import { waitFor } from '../../scripts/lib/wait-for.js';
import { Recorder, latch, waitForStatus } from '../helpers/recorder.js';
import { startTestStack, uniqueName, type TestStack } from '../helpers/stack.js';

let stack: TestStack;
let client: DelayCallbackClient;
const recorder = new Recorder();
const gates = new Map<string, ReturnType<typeof latch>>();

beforeAll(async () => {
  stack = await startTestStack();
  client = stack.client(uniqueName('cancel'));
  client.define('ok', recorder.wrap(async () => true));
  client.define(
    'fails',
    recorder.wrap(async () => {
      throw new Error('nope');
    }),
  );
  client.define<{ gate: string }>(
    'blocked',
    recorder.wrap(async (req) => {
      await gates.get(req.args.gate)!.promise;
      return 'released';
    }),
  );
  await client.start();
});
afterAll(async () => stack?.close());

const cancelPath = (uid: string): string => `/v1/apps/${client.app}/callbacks/${uid}`;

describe.concurrent('cancel', () => {
  it('cancels a scheduled callback, which then never runs; a second cancel answers the same', async () => {
    const { uid, triggerAt } = await client.register({ alias: 'ok', delaySeconds: 5 });
    expect(await client.unregister(uid)).toEqual({ uid, status: 'cancelled' });
    expect(await client.unregister(uid)).toEqual({ uid, status: 'cancelled' });
    const callback = await waitForStatus(client, uid, 'cancelled');
    expect(callback.completedAt).not.toBeNull();
    await new Promise((resolve) => setTimeout(resolve, Math.max(0, Date.parse(triggerAt) + 2_000 - Date.now())));
    expect(recorder.runsOf(uid)).toHaveLength(0);
    // Also after the workflow has closed.
    expect((await stack.http('DELETE', cancelPath(uid))).body).toEqual({ uid, status: 'cancelled' });
  });

  it('cancels a callback waiting for its next attempt', async () => {
    const { uid } = await client.register({ alias: 'fails', delaySeconds: 0, retry: { maxAttempts: 5, backoff: 'fixed', intervalSeconds: 5 } });
    const retrying = await waitForStatus(client, uid, 'retrying');
    expect(await client.unregister(uid)).toEqual({ uid, status: 'cancelled' });
    await new Promise((resolve) => setTimeout(resolve, Math.max(0, Date.parse(retrying.nextAttemptAt!) + 1_000 - Date.now())));
    expect(recorder.runsOf(uid)).toHaveLength(1);
    const callback = await client.get(uid);
    expect(callback).toMatchObject({ status: 'cancelled', attempts: 1, nextAttemptAt: null });
  });

  it('answers 409 CALLBACK_RUNNING during an attempt, and the attempt completes', async () => {
    const gate = uniqueName('gate');
    gates.set(gate, latch());
    const { uid } = await client.register({ alias: 'blocked', args: { gate }, delaySeconds: 0 });
    await recorder.waitForRuns(uid, 1);
    const response = await stack.http('DELETE', cancelPath(uid));
    expect(response.status).toBe(409);
    expect(response.body.error.code).toBe('CALLBACK_RUNNING');
    expect((await client.get(uid)).status).toBe('running');
    gates.get(gate)!.open();
    expect((await waitForStatus(client, uid, 'succeeded')).result).toBe('released');
  });

  it('answers 409 CALLBACK_FINISHED with the final status once succeeded or failed', async () => {
    const succeeded = await client.register({ alias: 'ok', delaySeconds: 0 });
    const failed = await client.register({ alias: 'fails', delaySeconds: 0, retry: null });
    await waitForStatus(client, succeeded.uid, 'succeeded');
    await waitForStatus(client, failed.uid, 'failed');
    for (const [uid, status] of [
      [succeeded.uid, 'succeeded'],
      [failed.uid, 'failed'],
    ] as const) {
      const response = await stack.http('DELETE', cancelPath(uid));
      expect(response.status).toBe(409);
      expect(response.body.error).toMatchObject({ code: 'CALLBACK_FINISHED', details: [{ status }] });
    }
  });

  it('answers 404 for an unknown uid', async () => {
    const response = await stack.http('DELETE', cancelPath('never-registered'));
    expect(response.status).toBe(404);
    expect(response.body.error.code).toBe('CALLBACK_NOT_FOUND');
  });

  it('accepts a Temporal cancellation request at once, and the operator signal `cancel` by the trigger time', async () => {
    const byRequest = await client.register({ alias: 'ok', delaySeconds: 60 });
    await stack.temporal.workflow.getHandle(callbackWorkflowId(client.app, byRequest.uid)).cancel();
    expect((await waitForStatus(client, byRequest.uid, 'cancelled')).attempts).toBe(0);

    // A signal does not wake a workflow whose first task Temporal holds until the trigger: it is applied
    // then, before any attempt.
    const bySignal = await client.register({ alias: 'ok', delaySeconds: 2 });
    await stack.temporal.workflow.getHandle(callbackWorkflowId(client.app, bySignal.uid)).signal('cancel');
    const cancelled = await waitForStatus(client, bySignal.uid, 'cancelled', 15_000);
    expect(cancelled.attempts).toBe(0);
    expect(recorder.runsOf(bySignal.uid)).toHaveLength(0);

    // Once the workflow runs (here: retrying), the signal applies at once.
    const retrying = await client.register({ alias: 'fails', delaySeconds: 0, retry: { maxAttempts: 3, backoff: 'fixed', intervalSeconds: 60 } });
    await waitForStatus(client, retrying.uid, 'retrying');
    await stack.temporal.workflow.getHandle(callbackWorkflowId(client.app, retrying.uid)).signal('cancel');
    expect((await waitForStatus(client, retrying.uid, 'cancelled', 5_000)).attempts).toBe(1);
  });

  it('ends a cancel/fire race in exactly one outcome, every time, and both outcomes happen', async () => {
    // Cancels aimed from well before the trigger (the attempt is queued or armed: it stands down) to
    // after it (the handler has started or finished: 409), 250 ms apart.
    const rounds = 17;
    const outcomes = await Promise.all(
      Array.from({ length: rounds }, async (_, i) => {
        const { uid, triggerAt } = await client.register({ alias: 'ok', delaySeconds: 4 });
        const aim = Date.parse(triggerAt) - 3_000 + i * 250;
        await new Promise((resolve) => setTimeout(resolve, Math.max(0, aim - Date.now())));
        const response = await stack.http('DELETE', cancelPath(uid));
        return { uid, triggerAt, status: response.status, code: response.body?.error?.code as string | undefined };
      }),
    );
    const lastTrigger = Math.max(...outcomes.map((o) => Date.parse(o.triggerAt)));
    await new Promise((resolve) => setTimeout(resolve, Math.max(0, lastTrigger + 2_500 - Date.now())));
    for (const outcome of outcomes) {
      const runs = recorder.runsOf(outcome.uid).length;
      const final = await waitFor(`${outcome.uid} final`, async () => {
        const callback = await client.get(outcome.uid);
        return ['cancelled', 'succeeded'].includes(callback.status) ? callback : undefined;
      });
      if (outcome.status === 200) {
        expect(runs).toBe(0);
        expect(final.status).toBe('cancelled');
      } else {
        expect(outcome.status, JSON.stringify(outcome)).toBe(409);
        expect(['CALLBACK_RUNNING', 'CALLBACK_FINISHED']).toContain(outcome.code);
        expect(runs).toBe(1);
        expect(final.status).toBe('succeeded');
      }
    }
    const cancelled = outcomes.filter((o) => o.status === 200).length;
    console.log(`cancel/fire race: ${cancelled} cancelled before firing, ${rounds - cancelled} fired (409)`);
    // Both ends of the race were reached: the test saw a stand-down and a handler that had started.
    expect(cancelled).toBeGreaterThan(0);
    expect(rounds - cancelled).toBeGreaterThan(0);
  });
});
