/** Reschedule: move the next attempt later or earlier; a definite 409 once it cannot move. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DelayCallbackError, type DelayCallbackClient } from '../../client-sdk/index.js';
import { Recorder, latch, waitForStatus } from '../helpers/recorder.js';
import { startTestStack, uniqueName, type TestStack } from '../helpers/stack.js';

let stack: TestStack;
let client: DelayCallbackClient;
const recorder = new Recorder();
const gate = latch();

beforeAll(async () => {
  stack = await startTestStack();
  client = stack.client(uniqueName('resched'));
  client.define('ok', recorder.wrap(async () => true));
  client.define(
    'fails-once',
    recorder.wrap(async (req) => {
      if (req.attempt === 1) throw new Error('first attempt fails');
      return 'second';
    }),
  );
  client.define(
    'blocked',
    recorder.wrap(async () => {
      await gate.promise;
      return true;
    }),
  );
  await client.start();
});
afterAll(async () => {
  gate.open();
  await stack?.close();
});

async function codeOf(promise: Promise<unknown>): Promise<string | undefined> {
  const error = await promise.then(() => undefined, (err: unknown) => err);
  return error instanceof DelayCallbackError ? `${error.status} ${error.code}` : String(error);
}

describe.concurrent('reschedule', () => {
  it('moves a scheduled callback later: it fires at the new time, not the old one', async () => {
    // Due in 5 s: well before its attempt is dispatched (DISPATCH_LEAD_MS ahead), even on a loaded machine.
    const { uid, triggerAt } = await client.register({ alias: 'ok', delaySeconds: 5 });
    const moved = await client.reschedule(uid, { delaySeconds: 8 });
    expect(Date.parse(moved.triggerAt)).toBeGreaterThan(Date.parse(triggerAt) + 2_500);
    expect(moved.status).toBe('scheduled');
    const [run] = await recorder.waitForRuns(uid, 1);
    expect(run!.at).toBeGreaterThanOrEqual(Date.parse(moved.triggerAt));
    expect(run!.triggerAt).toBe(moved.triggerAt);
  });

  it('moves a scheduled callback earlier', async () => {
    const { uid } = await client.register({ alias: 'ok', delaySeconds: 3_600 });
    const target = new Date(Date.now() + 1_000);
    const moved = await client.reschedule(uid, { triggerAt: target });
    expect(moved.triggerAt).toBe(target.toISOString());
    // It fires (the old time was an hour away), never before the new time.
    const [run] = await recorder.waitForRuns(uid, 1);
    expect(run!.at).toBeGreaterThanOrEqual(target.getTime());
    expect(run!.triggerAt).toBe(target.toISOString());
  });

  it('moves the next attempt of a retrying callback', async () => {
    const { uid } = await client.register({
      alias: 'fails-once',
      delaySeconds: 0,
      retry: { maxAttempts: 2, backoff: 'fixed', intervalSeconds: 3_600 },
    });
    await waitForStatus(client, uid, 'retrying');
    const target = Date.now() + 1_000;
    const moved = await client.reschedule(uid, { triggerAt: target });
    expect(moved.status).toBe('retrying');
    expect(moved.nextAttemptAt).toBe(new Date(target).toISOString());
    const done = await waitForStatus(client, uid, 'succeeded');
    expect(done.result).toBe('second');
    expect(recorder.runsOf(uid)[1]!.at).toBeGreaterThanOrEqual(target);
  });

  it('answers 409 CALLBACK_RUNNING during an attempt and CALLBACK_FINISHED after it', async () => {
    const running = await client.register({ alias: 'blocked', delaySeconds: 0 });
    await recorder.waitForRuns(running.uid, 1);
    expect(await codeOf(client.reschedule(running.uid, { delaySeconds: 10 }))).toBe('409 CALLBACK_RUNNING');

    const fired = await client.register({ alias: 'ok', delaySeconds: 0 });
    await waitForStatus(client, fired.uid, 'succeeded');
    expect(await codeOf(client.reschedule(fired.uid, { delaySeconds: 10 }))).toBe('409 CALLBACK_FINISHED');

    const cancelled = await client.register({ alias: 'ok', delaySeconds: 60 });
    await client.unregister(cancelled.uid);
    expect(await codeOf(client.reschedule(cancelled.uid, { delaySeconds: 10 }))).toBe('409 CALLBACK_FINISHED');
  });

  it('answers 404 for an unknown uid and 400 without exactly one time', async () => {
    expect(await codeOf(client.reschedule('never-registered', { delaySeconds: 1 }))).toBe('404 CALLBACK_NOT_FOUND');
    const { uid } = await client.register({ alias: 'ok', delaySeconds: 3_600 });
    expect(await codeOf(client.reschedule(uid, {}))).toBe('400 VALIDATION_FAILED');
    expect(await codeOf(client.reschedule(uid, { delaySeconds: 1, triggerAt: Date.now() }))).toBe('400 VALIDATION_FAILED');
    expect((await client.get(uid)).status).toBe('scheduled');
    await client.unregister(uid);
  });
});
