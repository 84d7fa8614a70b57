/**
 * Pre-dispatch (version 2): the attempt reaches the app's worker before its due
 * time and its handler starts on the due millisecond, never before; cancel and
 * reschedule in the armed window make it stand down, and a handler that had
 * started gets a definite 409 as soon as the workflow hears of it.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DelayCallbackClient } from '../../client-sdk/index.js';
import { waitFor } from '../../scripts/lib/wait-for.js';
import { PendingActivityState } from '../../server/temporal/enums.js';
import { callbackWorkflowId, type InvokeCallbackInput } from '../../workflows/contract.js';
import { historyOf, ofType } from '../helpers/history.js';
import { Recorder, latch, waitForStatus } from '../helpers/recorder.js';
import { startTestStack, uniqueName, type TestStack } from '../helpers/stack.js';

/** A long lead, so that the armed window is wide even on a loaded machine. */
const LEAD_MS = 4_000;
let stack: TestStack;
let client: DelayCallbackClient;
const recorder = new Recorder();
const gates = new Map<string, ReturnType<typeof latch>>();

beforeAll(async () => {
  stack = await startTestStack({ env: { DISPATCH_LEAD_MS: String(LEAD_MS) } });
  client = stack.client(uniqueName('predispatch'));
  client.define('ok', recorder.wrap(async () => true));
  client.define('fails', recorder.wrap(async () => {
    throw new Error('nope');
  }));
  client.define<{ gate: string }>('blocked', recorder.wrap(async (req) => {
    await gates.get(req.args.gate)!.promise;
    return 'released';
  }));
  await client.start();
});
afterAll(async () => {
  for (const gate of gates.values()) gate.open();
  await stack?.close();
});

const path = (uid: string, app = client.app): string => `/v1/apps/${app}/callbacks/${uid}`;
const sleepUntil = (at: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, Math.max(0, at - Date.now())));

/** Waits until a worker holds the callback's attempt (its activity started), and returns the description. */
async function armed(uid: string, app = client.app) {
  return waitFor(`attempt of ${uid} armed`, async () => {
    const description = await stack.temporal.workflow.getHandle(callbackWorkflowId(app, uid)).describe();
    const pending = description.raw.pendingActivities ?? [];
    return pending.some((activity) => activity.state === PendingActivityState.PENDING_ACTIVITY_STATE_STARTED) ? description : undefined;
  }, { timeoutMs: 20_000, intervalMs: 25 });
}

describe.concurrent('pre-dispatch', () => {
  it('dispatches the attempt before its trigger, carrying the due time, and starts the handler at the trigger, never before', async () => {
    const registered = await client.register({ alias: 'ok', delaySeconds: LEAD_MS / 1000 + 2 });
    const trigger = Date.parse(registered.triggerAt);
    const [run] = await recorder.waitForRuns(registered.uid, 1);
    expect(run!.at).toBeGreaterThanOrEqual(trigger);
    const done = await waitForStatus(client, registered.uid, 'succeeded');
    expect(Date.parse(done.firedAt!)).toBeGreaterThanOrEqual(trigger);
    expect(done.latenessMs).toBe(Date.parse(done.firedAt!) - trigger);
    const scheduled = ofType(await historyOf(stack.temporal, client.app, registered.uid), 'ACTIVITY_TASK_SCHEDULED');
    expect(scheduled).toHaveLength(1);
    // Temporal's start delay woke the workflow the lead before the trigger, and the attempt left then.
    expect(scheduled[0]!.at).toBeLessThan(trigger);
    const input = scheduled[0]!.raw.activityTaskScheduledEventAttributes?.input?.payloads?.[0];
    const decoded = JSON.parse(Buffer.from(input!.data!).toString()) as InvokeCallbackInput;
    expect(decoded.dueAt).toBe(trigger);
  });

  it('dispatches a callback due within the lead at once, and its handler still waits for the trigger', async () => {
    const registered = await client.register({ alias: 'ok', delaySeconds: 1 });
    const [run] = await recorder.waitForRuns(registered.uid, 1);
    expect(run!.at).toBeGreaterThanOrEqual(Date.parse(registered.triggerAt));
  });

  it('stands down an armed attempt on a cancel: 200, Temporal records it cancelled, the handler never runs', async () => {
    const { uid, triggerAt } = await client.register({ alias: 'ok', delaySeconds: LEAD_MS / 1000 + 2 });
    await armed(uid);
    expect((await client.get(uid)).status).toBe('scheduled'); // armed, not yet due
    expect(await client.unregister(uid)).toEqual({ uid, status: 'cancelled' });
    await sleepUntil(Date.parse(triggerAt) + 1_000);
    expect(recorder.runsOf(uid)).toHaveLength(0);
    expect(await client.get(uid)).toMatchObject({ status: 'cancelled', attempts: 0, firedAt: null });
    const events = await historyOf(stack.temporal, client.app, uid);
    expect(ofType(events, 'ACTIVITY_TASK_CANCELED')).toHaveLength(1);
    expect(ofType(events, 'ACTIVITY_TASK_FAILED')).toHaveLength(0);
  });

  it('re-arms an armed attempt on a reschedule: it fires once, at the new time', async () => {
    const { uid } = await client.register({ alias: 'ok', delaySeconds: LEAD_MS / 1000 + 2 });
    await armed(uid);
    const moved = await client.reschedule(uid, { delaySeconds: LEAD_MS / 1000 + 4 });
    expect(moved.status).toBe('scheduled');
    const [run] = await recorder.waitForRuns(uid, 1, 30_000);
    expect(run!.at).toBeGreaterThanOrEqual(Date.parse(moved.triggerAt));
    expect(run!.triggerAt).toBe(moved.triggerAt);
    await waitForStatus(client, uid, 'succeeded');
    expect(recorder.runsOf(uid)).toHaveLength(1);
    const events = await historyOf(stack.temporal, client.app, uid);
    expect(ofType(events, 'ACTIVITY_TASK_SCHEDULED')).toHaveLength(2);
    expect(ofType(events, 'ACTIVITY_TASK_CANCELED')).toHaveLength(1);
  });

  it('shows a retry armed before its due time as retrying, and moves it on a reschedule', async () => {
    const { uid } = await client.register({
      alias: 'fails',
      delaySeconds: 0,
      retry: { maxAttempts: 3, backoff: 'fixed', intervalSeconds: LEAD_MS / 1000 + 2 },
    });
    await waitForStatus(client, uid, 'retrying');
    await recorder.waitForRuns(uid, 1);
    await armed(uid);
    const waiting = await client.get(uid);
    expect(waiting).toMatchObject({ status: 'retrying', attempts: 1 });
    const moved = await client.reschedule(uid, { delaySeconds: 3_600 });
    expect(moved).toMatchObject({ status: 'retrying', attempts: 1 });
    expect(Date.parse(moved.nextAttemptAt!)).toBeGreaterThan(Date.now() + 3_000_000);
    await sleepUntil(Date.parse(waiting.nextAttemptAt!) + 1_000);
    expect(recorder.runsOf(uid)).toHaveLength(1);
    expect(await client.unregister(uid)).toEqual({ uid, status: 'cancelled' });
  });

  it("stands down on an operator's cancel signal and on a cancellation through Temporal", async () => {
    const bySignal = await client.register({ alias: 'ok', delaySeconds: LEAD_MS / 1000 + 2 });
    const byRequest = await client.register({ alias: 'ok', delaySeconds: LEAD_MS / 1000 + 2 });
    await Promise.all([armed(bySignal.uid), armed(byRequest.uid)]);
    await stack.temporal.workflow.getHandle(callbackWorkflowId(client.app, bySignal.uid)).signal('cancel');
    await stack.temporal.workflow.getHandle(callbackWorkflowId(client.app, byRequest.uid)).cancel();
    await sleepUntil(Date.parse(bySignal.triggerAt) + 1_000);
    for (const { uid } of [bySignal, byRequest]) {
      expect(await waitForStatus(client, uid, 'cancelled')).toMatchObject({ attempts: 0 });
      expect(recorder.runsOf(uid)).toHaveLength(0);
    }
  });

  it('answers 409 CALLBACK_RUNNING once the handler has started: told by the worker, before the attempt ends', async () => {
    const gate = uniqueName('gate');
    gates.set(gate, latch());
    const { uid } = await client.register({ alias: 'blocked', args: { gate }, delaySeconds: 0 });
    await recorder.waitForRuns(uid, 1);
    const cancel = await stack.http('DELETE', path(uid));
    expect(cancel.status).toBe(409);
    expect(cancel.body.error.code).toBe('CALLBACK_RUNNING');
    // Known started now: the next one is refused by the validator at once.
    const reschedule = await stack.http('PATCH', path(uid), { delaySeconds: 60 });
    expect(reschedule.status).toBe(409);
    expect(reschedule.body.error.code).toBe('CALLBACK_RUNNING');
    expect((await client.get(uid)).status).toBe('running');
    gates.get(gate)!.open();
    expect((await waitForStatus(client, uid, 'succeeded')).result).toBe('released');
    const events = await historyOf(stack.temporal, client.app, uid);
    const started = events.find((event) => event.raw.workflowExecutionSignaledEventAttributes?.signalName === 'attempt-started');
    const answered = ofType(events, 'WORKFLOW_EXECUTION_UPDATE_COMPLETED')[0];
    const completed = ofType(events, 'ACTIVITY_TASK_COMPLETED')[0];
    expect(started).toBeDefined();
    expect(answered!.id).toBeLessThan(completed!.id);
  });
});

describe('an app with no worker running', () => {
  it('shows the queued attempt as waiting for a worker, scheduled before its due time and running after, and cancels it with 200', async () => {
    const idle = stack.client(uniqueName('idle'));
    const { uid, triggerAt } = await idle.register({ alias: 'ok', delaySeconds: LEAD_MS / 1000 + 1 });
    const before = await waitFor('attempt queued', async () => {
      const callback = await idle.get(uid);
      return callback.waitingForWorker ? callback : undefined;
    }, { timeoutMs: 20_000, intervalMs: 50 });
    if (Date.now() < Date.parse(triggerAt) - 200) expect(before).toMatchObject({ status: 'scheduled', attempts: 0 });
    await sleepUntil(Date.parse(triggerAt) + 200);
    expect(await idle.get(uid)).toMatchObject({ status: 'running', attempts: 1, waitingForWorker: true });
    expect((await stack.http('DELETE', path(uid, idle.app))).body).toEqual({ uid, status: 'cancelled' });
    expect(await idle.get(uid)).toMatchObject({ status: 'cancelled', waitingForWorker: false });
    const events = await historyOf(stack.temporal, idle.app, uid);
    expect(ofType(events, 'ACTIVITY_TASK_CANCELED')).toHaveLength(1);
    expect(ofType(events, 'ACTIVITY_TASK_STARTED')).toHaveLength(0);
  });
});
