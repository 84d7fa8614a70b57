/**
 * What an operator does to a callback's workflow from outside the API (Temporal
 * CLI or Web UI), and what the API then says: a terminated workflow is `failed`
 * with lastError TERMINATED (never `cancelled`), in GET, list and stats; an
 * operator's `cancel` signal shows at once in GET although the workflow has not
 * woken up yet.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DelayCallbackClient } from '../../client-sdk/index.js';
import { waitFor } from '../../scripts/lib/wait-for.js';
import { callbackWorkflowId } from '../../workflows/contract.js';
import { Recorder, latch, waitForStatus } from '../helpers/recorder.js';
import { startTestStack, uniqueName, type TestStack } from '../helpers/stack.js';

let stack: TestStack;
let client: DelayCallbackClient;
const recorder = new Recorder();
const gate = latch();

beforeAll(async () => {
  stack = await startTestStack();
  client = stack.client(uniqueName('operator'));
  client.define('ok', recorder.wrap(async () => 'done'));
  client.define('fails', recorder.wrap(async () => {
    throw new Error('nope');
  }));
  client.define('blocked', recorder.wrap(async () => {
    await gate.promise;
    return true;
  }));
  await client.start();
});
afterAll(async () => {
  gate.open();
  await stack?.close();
});

const handle = (uid: string) => stack.temporal.workflow.getHandle(callbackWorkflowId(client.app, uid));

describe('a workflow terminated from outside', () => {
  it('is failed with lastError TERMINATED and the reason, in GET, list and stats, and can be redriven', async () => {
    const waiting = await client.register({ alias: 'ok', delaySeconds: 3_600 });
    const retrying = await client.register({ alias: 'fails', delaySeconds: 0, retry: { maxAttempts: 3, backoff: 'fixed', intervalSeconds: 3_600 } });
    await waitForStatus(client, retrying.uid, 'retrying');
    await handle(waiting.uid).terminate('operator: wrong order');
    await handle(retrying.uid).terminate();

    const terminated = await waitForStatus(client, waiting.uid, 'failed');
    expect(terminated.lastError).toEqual({ code: 'TERMINATED', message: 'operator: wrong order' });
    expect(terminated).toMatchObject({ attempts: 0, nextAttemptAt: null });
    expect(terminated.completedAt).not.toBeNull();
    // What it had done by then is kept: one attempt, its error in the history.
    const afterAttempt = await waitForStatus(client, retrying.uid, 'failed');
    expect(afterAttempt).toMatchObject({ attempts: 1, lastError: { code: 'TERMINATED' } });
    expect(afterAttempt.attemptHistory).toHaveLength(1);

    await waitFor('listed as failed', async () => {
      const page = await client.list({ status: 'failed' });
      const uids = page.items.map((item) => item.uid).sort();
      return JSON.stringify(uids) === JSON.stringify([waiting.uid, retrying.uid].sort()) ? page : undefined;
    }, { timeoutMs: 15_000, intervalMs: 200 });
    expect((await client.list({ status: 'cancelled' })).items).toHaveLength(0);
    const stats = await waitFor('counted as failed', async () => {
      const current = await client.stats();
      return current.counts.failed === 2 ? current : undefined;
    }, { timeoutMs: 15_000, intervalMs: 200 });
    expect(stats.counts.cancelled).toBe(0);

    const redriven = await client.retry(waiting.uid);
    expect(redriven.uid).toBe(waiting.uid);
    const done = await waitForStatus(client, waiting.uid, 'succeeded');
    expect(done).toMatchObject({ result: 'done', attempts: 1, lastError: null });
  });

  it('is cancelled when cancelled through Temporal (the Web UI\'s Cancel), as before', async () => {
    const { uid } = await client.register({ alias: 'ok', delaySeconds: 3_600 });
    await handle(uid).cancel();
    expect(await waitForStatus(client, uid, 'cancelled')).toMatchObject({ attempts: 0, lastError: null });
  });
});

describe("an operator's cancel signal", () => {
  it('shows cancelled in GET at once while the workflow still waits on its start delay, and it never fires', async () => {
    const { uid, triggerAt } = await client.register({ alias: 'ok', delaySeconds: 6 });
    await handle(uid).signal('cancel', { reason: 'operator' });
    // The workflow has not run yet (Temporal holds its first task): GET reads the recorded signal.
    expect((await handle(uid).describe()).historyLength).toBeLessThanOrEqual(2);
    const read = await client.get(uid);
    expect(read).toMatchObject({ status: 'cancelled', attempts: 0, nextAttemptAt: null });
    expect(read.completedAt).not.toBeNull();
    await new Promise((resolve) => setTimeout(resolve, Math.max(0, Date.parse(triggerAt) + 1_000 - Date.now())));
    expect(recorder.runsOf(uid)).toHaveLength(0);
    expect(await waitForStatus(client, uid, 'cancelled')).toMatchObject({ attempts: 0 });
    // Cancelling again through the API answers the same.
    expect(await client.unregister(uid)).toEqual({ uid, status: 'cancelled' });
  });
});
