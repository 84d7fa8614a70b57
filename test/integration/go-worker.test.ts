/**
 * Handlers in another Temporal language: the Go example worker (examples/go-worker, built once
 * per version of its sources and cached) implements the activity contract. Callbacks run end to
 * end through it, including a failed attempt the retry strategy counts, and it honours `dueAt`.
 *
 * Without `go` on PATH the test is skipped loudly; with CI=true a missing `go` fails it.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { NativeConnection, Worker } from '@temporalio/worker';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureGoWorkerBinary, findGo } from '../../scripts/lib/go-worker-build.js';
import { waitFor } from '../../scripts/lib/wait-for.js';
import { appTaskQueue, type InvokeCallbackInput } from '../../workflows/contract.js';
import type { InvokeOnceOutcome } from '../fixtures/invoke-once-workflow.js';
import { startTestStack, uniqueName, type TestStack } from '../helpers/stack.js';

const go = await findGo();
const skip = !go && process.env.CI !== 'true';
if (skip) console.warn('\n!!! `go` not found on PATH: the Go worker test is SKIPPED (install Go 1.26+; CI must have it) !!!\n');

const app = uniqueName('go');
let stack: TestStack;
let goWorker: ChildProcess | undefined;
let goOutput = '';

beforeAll(async () => {
  if (skip) return;
  expect(go, '`go` is required on PATH with CI=true').toBeDefined();
  const binary = await ensureGoWorkerBinary();
  stack = await startTestStack();
  goWorker = spawn(binary.path, [], {
    env: { ...process.env, DELAY_CALLBACK_APP: app, TEMPORAL_ADDRESS: stack.config.temporal.address, TEMPORAL_NAMESPACE: stack.config.temporal.namespace, WORKER_STOP_TIMEOUT_SECONDS: '2' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const collect = (chunk: Buffer): void => {
    goOutput = (goOutput + chunk.toString()).slice(-20_000);
  };
  goWorker.stdout?.on('data', collect);
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
});
