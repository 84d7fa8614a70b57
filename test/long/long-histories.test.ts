/**
 * Histories without end (issue 13.2): a callback rescheduled thousands of times,
 * and one that fails a thousand attempts with 64 KiB args, both outgrow one
 * workflow run; the workflow continues as new at safe points with its whole
 * state, the workflow id stays, and GET, list, redrive keep working. These take
 * minutes: `npm run test:long`.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DelayCallbackClient } from '../../client-sdk/index.js';
import { waitFor } from '../../scripts/lib/wait-for.js';
import { callbackWorkflowId } from '../../workflows/contract.js';
import { Recorder, waitForStatus } from '../helpers/recorder.js';
import { startTestStack, uniqueName, type TestStack } from '../helpers/stack.js';

let stack: TestStack;
let client: DelayCallbackClient;
const recorder = new Recorder();
let recovered = false;

beforeAll(async () => {
  stack = await startTestStack();
  client = stack.client(uniqueName('long'));
  client.define('ok', recorder.wrap(async () => 'fired'));
  client.define('fails', recorder.wrap(async () => {
    if (recovered) return 'recovered';
    throw new Error('still failing');
  }));
  await client.start();
});
afterAll(async () => stack?.close());

/** The runs of the callback's workflow id (continue-as-new and redrive start new ones). */
async function runsOf(uid: string): Promise<Array<{ runId: string; status: string }>> {
  const runs: Array<{ runId: string; status: string }> = [];
  for await (const run of stack.temporal.workflow.list({ query: `WorkflowId = '${callbackWorkflowId(client.app, uid)}'` })) {
    runs.push({ runId: run.runId, status: run.status.name });
  }
  return runs;
}

/** Runs `count` calls of `call(i)`, `concurrency` at a time. */
async function inParallel<T>(count: number, concurrency: number, call: (i: number) => Promise<T>): Promise<T[]> {
  const results: T[] = new Array(count);
  let next = 0;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < count) {
        const i = next++;
        results[i] = await call(i);
      }
    }),
  );
  return results;
}

describe('continue-as-new', () => {
  it('takes 2500 reschedules of one callback, every one answered 200, and it still fires exactly once', async () => {
    const { uid } = await client.register({ alias: 'ok', delaySeconds: 3_600 });
    const statuses = await inParallel(2_500, 4, async (i) => {
      const response = await stack.http('PATCH', `/v1/apps/${client.app}/callbacks/${uid}`, { delaySeconds: 3_600 + (i % 100) });
      if (response.status !== 200) console.log(`PATCH ${i}: ${response.status} ${JSON.stringify(response.body)}`);
      return response.status;
    });
    expect(statuses.filter((status) => status !== 200)).toEqual([]);
    const runs = await runsOf(uid);
    console.log(`2500 reschedules: ${runs.length} runs of the workflow`);
    expect(runs.length).toBeGreaterThan(1);
    expect((await client.get(uid)).status).toBe('scheduled');

    const moved = await client.reschedule(uid, { delaySeconds: 2 });
    const [run] = await recorder.waitForRuns(uid, 1, 60_000);
    expect(run!.at).toBeGreaterThanOrEqual(Date.parse(moved.triggerAt));
    const done = await waitForStatus(client, uid, 'succeeded', 60_000);
    expect(done).toMatchObject({ attempts: 1, result: 'fired', triggerAt: moved.triggerAt });
    await new Promise((resolve) => setTimeout(resolve, 2_000));
    expect(recorder.runsOf(uid)).toHaveLength(1);
    // Listed once, as it is now; its link names the workflow, whichever run is current.
    const listed = await waitFor('listed as succeeded', async () => {
      const page = await client.list({ status: 'succeeded' });
      return page.items.find((item) => item.uid === uid);
    }, { timeoutMs: 15_000, intervalMs: 250 });
    expect(listed.links.webUi.endsWith(encodeURIComponent(callbackWorkflowId(client.app, uid)))).toBe(true);
  }, 900_000);

  it('fails normally after 1000 attempts with 64 KiB args, across runs, and a redrive then runs it afresh', async () => {
    const args = 'x'.repeat(65_000);
    const { uid } = await client.register({
      alias: 'fails',
      args,
      delaySeconds: 0,
      retry: { maxAttempts: 1_000, backoff: 'fixed', intervalSeconds: 0.001 },
    });
    const failed = await waitForStatus(client, uid, 'failed', 900_000);
    expect(failed).toMatchObject({ attempts: 1_000, lastError: { code: 'HANDLER_FAILED', message: 'still failing' } });
    expect(failed.args).toBe(args);
    expect(failed.attemptHistory.map((record) => record.attempt)).toEqual(Array.from({ length: 10 }, (_, i) => 991 + i));
    // Every attempt ran once (no crash here, so no attempt twice), none was lost across the runs.
    const runsByAttempt = new Map<number, number>();
    for (const run of recorder.runsOf(uid)) runsByAttempt.set(run.attempt, (runsByAttempt.get(run.attempt) ?? 0) + 1);
    expect(runsByAttempt.size).toBe(1_000);
    expect([...runsByAttempt.values()].every((count) => count === 1)).toBe(true);
    const runs = await runsOf(uid);
    console.log(`1000 attempts with 64 KiB args: ${runs.length} runs of the workflow`);
    expect(runs.length).toBeGreaterThan(1);

    recovered = true;
    const redriven = await client.retry(uid);
    expect(redriven.uid).toBe(uid);
    const done = await waitForStatus(client, uid, 'succeeded', 60_000);
    expect(done).toMatchObject({ attempts: 1, result: 'recovered', lastError: null, args });
  }, 900_000);
});
