/**
 * Handlers in another Temporal language: the Go example worker (examples/go-worker, built once
 * per version of its sources and cached) implements the activity contract. Callbacks run end to
 * end through it, including a failed attempt the retry strategy counts, and it honours `dueAt`.
 * Against its armed attempts a cancel or a reschedule stands it down through its pre-start check;
 * against a running handler a cancel is answered 409 as soon as its attempt-started signal lands.
 *
 * Without `go` on PATH the test is skipped loudly; with CI=true a missing `go` fails it.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { NativeConnection, Worker } from '@temporalio/worker';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureGoWorkerBinary, findGo } from '../../scripts/lib/go-worker-build.js';
import { waitFor } from '../../scripts/lib/wait-for.js';
import { PendingActivityState } from '../../server/temporal/enums.js';
import { appTaskQueue, callbackWorkflowId, type InvokeCallbackInput } from '../../workflows/contract.js';
import type { InvokeOnceOutcome } from '../fixtures/invoke-once-workflow.js';
import { historyOf, ofType } from '../helpers/history.js';
import { startTestStack, uniqueName, type TestStack } from '../helpers/stack.js';

const go = await findGo();
const skip = !go && process.env.CI !== 'true';
if (skip) console.warn('\n!!! `go` not found on PATH: the Go worker test is SKIPPED (install Go 1.26+; CI must have it) !!!\n');

/** A long dispatch lead, so that the Go worker holds an attempt for seconds even on a loaded machine. */
const LEAD_MS = 4_000;
const app = uniqueName('go');
let stack: TestStack;
let goWorker: ChildProcess | undefined;
let goOutput = '';
/** Every "Handler started" line the Go worker logged, by uid: its attempts, when this process read them. */
const handlerStarts = new Map<string, Array<{ attempt: number; at: number }>>();
let partialLine = '';

function readLines(chunk: string): void {
  const lines = (partialLine + chunk).split('\n');
  partialLine = lines.pop() ?? '';
  for (const line of lines) {
    const match = /Handler started .*\bUID (\S+) Attempt (\d+)/.exec(line);
    if (match) handlerStarts.set(match[1]!, [...(handlerStarts.get(match[1]!) ?? []), { attempt: Number(match[2]), at: Date.now() }]);
  }
}

beforeAll(async () => {
  if (skip) return;
  expect(go, '`go` is required on PATH with CI=true').toBeDefined();
  const binary = await ensureGoWorkerBinary();
  stack = await startTestStack({ env: { DISPATCH_LEAD_MS: String(LEAD_MS) } });
  goWorker = spawn(binary.path, [], {
    env: { ...process.env, DELAY_CALLBACK_APP: app, TEMPORAL_ADDRESS: stack.config.temporal.address, TEMPORAL_NAMESPACE: stack.config.temporal.namespace, WORKER_STOP_TIMEOUT_SECONDS: '2' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const collect = (chunk: Buffer): void => {
    goOutput = (goOutput + chunk.toString()).slice(-20_000);
  };
  goWorker.stdout?.on('data', (chunk: Buffer) => {
    collect(chunk);
    readLines(chunk.toString()); // the SDK's logger writes to stdout
  });
  goWorker.stderr?.on('data', collect);
  await waitFor('the Go worker to poll', async () => goOutput.includes(`go-worker: polling ${appTaskQueue(app)}`) || (goWorker?.exitCode !== null ? Promise.reject(new Error(`the Go worker exited: ${goOutput}`)) : false), {
    timeoutMs: 30_000,
    intervalMs: 100,
  });
}, 600_000);

afterAll(async () => {
  if (goWorker && goWorker.exitCode === null) {
    const exited = new Promise((resolve) => goWorker?.once('exit', resolve));
    goWorker.kill('SIGTERM');
    await exited;
  }
  await stack?.close();
});

const register = (body: Record<string, unknown>) => stack.http('POST', `/v1/apps/${app}/callbacks`, { delaySeconds: 0, ...body });

const path = (uid: string): string => `/v1/apps/${app}/callbacks/${uid}`;
const sleepUntil = (at: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, Math.max(0, at - Date.now())));

/** Waits until the Go worker holds the callback's attempt (its activity started). */
async function armed(uid: string): Promise<void> {
  await waitFor(`attempt of ${uid} armed`, async () => {
    const description = await stack.temporal.workflow.getHandle(callbackWorkflowId(app, uid)).describe();
    return (description.raw.pendingActivities ?? []).some((activity) => activity.state === PendingActivityState.PENDING_ACTIVITY_STATE_STARTED);
  }, { timeoutMs: 20_000, intervalMs: 25 });
}

async function finished(uid: string, timeoutMs = 30_000): Promise<Record<string, any>> {
  return waitFor(`callback ${uid} to finish`, async () => {
    const { body } = await stack.http('GET', `/v1/apps/${app}/callbacks/${uid}`);
    return ['succeeded', 'failed', 'cancelled'].includes(body.status) ? body : undefined;
  }, { timeoutMs, intervalMs: 100 });
}

describe.skipIf(skip)('Go worker (examples/go-worker)', () => {
  it('runs a callback end to end: the handler result becomes the callback result', async () => {
    const { body } = await register({ alias: 'greet', args: ['gopher'] });
    const done = await finished(body.uid);
    expect(done).toMatchObject({ status: 'succeeded', attempts: 1, lastError: null, result: { greeting: 'hello, gopher', attempt: 1, uid: body.uid } });
    expect(Date.parse(done.firedAt)).toBeGreaterThanOrEqual(Date.parse(done.triggerAt));
  });

  it('reports a failed attempt that the retry strategy counts, then succeeds', async () => {
    const { body } = await register({ alias: 'flaky', retry: { maxAttempts: 3, backoff: 'fixed', intervalSeconds: 1 } });
    const done = await finished(body.uid);
    expect(done).toMatchObject({ status: 'succeeded', attempts: 2, result: { succeededOnAttempt: 2 } });
    expect(done.lastError).toEqual({ code: 'HANDLER_FAILED', message: 'flaky: the first attempt always fails' });
    expect(done.attemptHistory.map((a: { error: { code: string } | null }) => a.error?.code ?? null)).toEqual(['HANDLER_FAILED', null]);
    // The retry waited its interval: the second attempt started at least 1 s after the first ended.
    expect(Date.parse(done.attemptHistory[1].startedAt) - Date.parse(done.attemptHistory[0].finishedAt)).toBeGreaterThanOrEqual(900);
  });

  it('reports HANDLER_RETURNED_FALSE, ALIAS_NOT_DEFINED and ATTEMPT_TIMEOUT as business failures', async () => {
    const cases: Array<[Record<string, unknown>, string]> = [
      [{ alias: 'refuse' }, 'HANDLER_RETURNED_FALSE'],
      [{ alias: 'not-defined-in-go' }, 'ALIAS_NOT_DEFINED'],
      [{ alias: 'sleep', args: { seconds: 30 }, attemptTimeoutSeconds: 1 }, 'ATTEMPT_TIMEOUT'],
    ];
    const uids = await Promise.all(cases.map(async ([body]) => (await register({ ...body, retry: null })).body.uid as string));
    for (const [index, uid] of uids.entries()) {
      const done = await finished(uid);
      expect(done, cases[index]![1]).toMatchObject({ status: 'failed', attempts: 1, lastError: { code: cases[index]![1] } });
    }
  });

  it('does not start the handler before dueAt, and fails with the contract\'s ApplicationFailure shape', async () => {
    const taskQueue = uniqueName('invoke-once');
    const connection = await NativeConnection.connect({ address: stack.config.temporal.address });
    try {
      const worker = await Worker.create({
        connection,
        taskQueue,
        workflowsPath: fileURLToPath(new URL('../fixtures/invoke-once-workflow.ts', import.meta.url)),
      });
      const input = (alias: string, dueAt: number): InvokeCallbackInput & { dueAt: number } => ({
        app,
        uid: uniqueName('uid'),
        alias,
        args: ['due'],
        attempt: 1,
        triggerAt: new Date(dueAt).toISOString(),
        firedAt: null,
        attemptTimeoutSeconds: 10,
        dueAt,
      });
      const dueAt = Date.now() + 2_000;
      const [succeeded, refused] = await worker.runUntil(
        Promise.all(
          [input('greet', dueAt), input('refuse', Date.now() - 1_000)].map((args) =>
            stack.temporal.workflow.execute('invokeOnce', { taskQueue, workflowId: uniqueName('invoke-once'), args: [appTaskQueue(app), args] }),
          ),
        ) as Promise<InvokeOnceOutcome[]>,
      );
      if (!succeeded?.ok) throw new Error(`greet failed: ${JSON.stringify(succeeded)}`);
      // The worker's clock and this one are the same machine's.
      expect(Date.parse(succeeded.value.startedAt)).toBeGreaterThanOrEqual(dueAt);
      expect(refused).toMatchObject({ ok: false, type: 'HANDLER_RETURNED_FALSE', nonRetryable: true, details: [{ startedAt: expect.any(String) }] });
    } finally {
      await connection.close();
    }
  });

  describe.concurrent('stand-down and attempt-started', () => {
    it('stands down an armed attempt on a cancel: 200, Temporal records it cancelled, the handler never runs', async () => {
      const { body } = await register({ alias: 'greet', args: ['armed'], delaySeconds: LEAD_MS / 1000 + 2 });
      await armed(body.uid);
      expect((await stack.http('GET', path(body.uid))).body.status).toBe('scheduled'); // held, not yet due
      const cancel = await stack.http('DELETE', path(body.uid));
      expect(cancel).toMatchObject({ status: 200, body: { uid: body.uid, status: 'cancelled' } });
      await sleepUntil(Date.parse(body.triggerAt) + 1_000);
      expect(handlerStarts.get(body.uid)).toBeUndefined();
      expect((await stack.http('GET', path(body.uid))).body).toMatchObject({ status: 'cancelled', attempts: 0, firedAt: null });
      // Ended cancelled (the SDK learnt of the cancellation from the standing-down heartbeat), not failed.
      const events = await historyOf(stack.temporal, app, body.uid);
      expect(ofType(events, 'ACTIVITY_TASK_CANCELED')).toHaveLength(1);
      expect(ofType(events, 'ACTIVITY_TASK_FAILED')).toHaveLength(0);
      expect(ofType(events, 'ACTIVITY_TASK_COMPLETED')).toHaveLength(0);
    });

    it('answers a cancel of a running Go handler 409 CALLBACK_RUNNING long before the handler ends, and the handler completes', async () => {
      const handlerSeconds = 14;
      const { body } = await register({ alias: 'sleep', args: { seconds: handlerSeconds } });
      const [start] = await waitFor(`handler of ${body.uid} started`, async () => handlerStarts.get(body.uid), { timeoutMs: 20_000, intervalMs: 25 });
      const cancel = await stack.http('DELETE', path(body.uid));
      const answeredAt = Date.now();
      expect(cancel.status).toBe(409);
      expect(cancel.body.error.code).toBe('CALLBACK_RUNNING');
      // Heartbeats reach Temporal every 2 s, so the worker hears of the cancel within seconds; without
      // the signal the workflow would answer only when the attempt ends, handlerSeconds after the start.
      // The handler then outlives the 10 s heartbeat timeout: its heartbeats must keep reaching Temporal.
      expect(answeredAt - start!.at).toBeLessThan(6_000);
      const done = await finished(body.uid);
      expect(done).toMatchObject({ status: 'succeeded', attempts: 1, result: true });
      expect(handlerStarts.get(body.uid)).toHaveLength(1);
      const events = await historyOf(stack.temporal, app, body.uid);
      const signals = events.filter((event) => event.raw.workflowExecutionSignaledEventAttributes?.signalName === 'attempt-started');
      expect(signals).toHaveLength(1);
      const input = signals[0]!.raw.workflowExecutionSignaledEventAttributes?.input?.payloads?.[0]?.data;
      expect(JSON.parse(Buffer.from(input!).toString())).toEqual({ attempt: 1 });
      const [answered] = ofType(events, 'WORKFLOW_EXECUTION_UPDATE_COMPLETED');
      const [completed] = ofType(events, 'ACTIVITY_TASK_COMPLETED');
      expect(answered!.id).toBeLessThan(completed!.id);
      expect(completed!.at - answered!.at).toBeGreaterThanOrEqual(2_000);
    });

    it('moves an armed attempt on a reschedule: the handler runs once, at the new time, never early', async () => {
      const { body } = await register({ alias: 'greet', args: ['moved'], delaySeconds: LEAD_MS / 1000 + 2 });
      await armed(body.uid);
      const moved = await stack.http('PATCH', path(body.uid), { delaySeconds: LEAD_MS / 1000 + 4 });
      expect(moved.status).toBe(200);
      expect(moved.body.status).toBe('scheduled');
      const newTrigger = Date.parse(moved.body.triggerAt);
      expect(newTrigger).toBeGreaterThan(Date.parse(body.triggerAt));
      const done = await finished(body.uid);
      expect(done).toMatchObject({ status: 'succeeded', attempts: 1, triggerAt: moved.body.triggerAt, result: { greeting: 'hello, moved', attempt: 1 } });
      // The Go worker's clock and this one are the same machine's.
      expect(Date.parse(done.firedAt)).toBeGreaterThanOrEqual(newTrigger);
      expect(handlerStarts.get(body.uid)).toEqual([{ attempt: 1, at: expect.any(Number) }]);
      expect(handlerStarts.get(body.uid)![0]!.at).toBeGreaterThanOrEqual(newTrigger);
      const events = await historyOf(stack.temporal, app, body.uid);
      expect(ofType(events, 'ACTIVITY_TASK_SCHEDULED')).toHaveLength(2);
      expect(ofType(events, 'ACTIVITY_TASK_CANCELED')).toHaveLength(1);
      expect(ofType(events, 'ACTIVITY_TASK_COMPLETED')).toHaveLength(1);
    });
  });
});
