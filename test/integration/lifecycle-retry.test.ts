/** Retries: the exact backoff formulas, observed; failure kinds; timeouts; an alias that appears later. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DelayCallbackClient } from '../../client-sdk/index.js';
import type { Backoff } from '../../client-sdk/types.js';
import { delayBeforeRetrySeconds } from '../../workflows/retry-schedule.js';
import { waitFor } from '../../scripts/lib/wait-for.js';
import { Recorder, waitForStatus } from '../helpers/recorder.js';
import { startTestStack, uniqueName, type TestStack } from '../helpers/stack.js';

let stack: TestStack;
let client: DelayCallbackClient;
const recorder = new Recorder();

/**
 * The delay the workflow chose before each retry (attempt -> ms), seen while it was retrying: its
 * nextAttemptAt minus the end of the attempt that failed, both in workflow time, so exact whatever
 * the machine's load. A short window may go unseen; what is seen must be exact.
 */
async function observeRetryDelays(uid: string): Promise<Map<number, number>> {
  const delays = new Map<number, number>();
  await waitFor(`${uid} to finish`, async () => {
    const callback = await client.get(uid);
    const last = callback.attemptHistory.at(-1);
    if (callback.status === 'retrying' && callback.nextAttemptAt && last) {
      delays.set(last.attempt, Date.parse(callback.nextAttemptAt) - Date.parse(last.finishedAt));
    }
    return ['succeeded', 'failed', 'cancelled'].includes(callback.status);
  }, { timeoutMs: 30_000, intervalMs: 100 });
  return delays;
}

beforeAll(async () => {
  stack = await startTestStack();
  client = stack.client(uniqueName('retry'));
  client.define(
    'always-throws',
    recorder.wrap(async (req) => {
      throw new Error(`boom on attempt ${req.attempt}`);
    }),
  );
  client.define('returns-false', recorder.wrap(async () => false));
  client.define(
    'third-time-lucky',
    recorder.wrap(async (req) => {
      if (req.attempt < 3) throw new Error(`not yet (${req.attempt})`);
      return { attempt: req.attempt };
    }),
  );
  client.define(
    'sleeps',
    recorder.wrap(async (req) => {
      await new Promise((resolve) => setTimeout(resolve, 3_000));
      return req.signal.aborted ? 'aborted' : 'finished';
    }),
  );
  await client.start();
});
afterAll(async () => stack?.close());

describe.concurrent('retry strategies', () => {
  it.each<[Backoff, number, number, number[]]>([
    ['fixed', 1, 3, [1, 1]],
    ['linear', 1, 4, [1, 2, 3]],
    ['exponential', 1, 4, [1, 2, 4]],
    ['exponential', 1, 4, [1, 2, 2]],
  ])('%s backoff from %i s, %i attempts: gaps %j seconds', async (backoff, intervalSeconds, maxAttempts, expected) => {
    const maxIntervalSeconds = Math.max(...expected);
    const strategy = { maxAttempts, backoff, intervalSeconds, maxIntervalSeconds };
    expect(expected).toEqual(expected.map((_, i) => delayBeforeRetrySeconds(strategy, i + 1)));

    const { uid } = await client.register({ alias: 'always-throws', delaySeconds: 0, retry: strategy });
    const delays = await observeRetryDelays(uid);
    const runs = await recorder.waitForRuns(uid, maxAttempts, 30_000);
    const gaps = runs.slice(1).map((run, i) => run.at - runs[i]!.at);
    console.log(`observed ${backoff} gaps (ms), expected ${expected.join(', ')} s: ${gaps.join(', ')}; delays chosen: ${[...delays].join(' ')}`);
    expect(runs.map((run) => run.attempt)).toEqual(Array.from({ length: maxAttempts }, (_, i) => i + 1));
    // Never early (how late belongs to the benchmark), and the delay chosen is the formula's, exactly.
    gaps.forEach((gap, i) => expect(gap).toBeGreaterThanOrEqual(expected[i]! * 1000));
    expect(delays.size).toBeGreaterThan(0);
    for (const [attempt, delay] of delays) expect(delay, `delay after attempt ${attempt}`).toBe(expected[attempt - 1]! * 1000);

    const done = await waitForStatus(client, uid, 'failed');
    expect(done.attempts).toBe(maxAttempts);
    expect(done.lastError).toEqual({ code: 'HANDLER_FAILED', message: `boom on attempt ${maxAttempts}` });
    expect(done.attemptHistory.map((a) => a.attempt)).toEqual(runs.map((run) => run.attempt));
    // No attempt beyond the strategy.
    await new Promise((resolve) => setTimeout(resolve, 1_000));
    expect(recorder.runsOf(uid)).toHaveLength(maxAttempts);
  });

  it('shows retrying with nextAttemptAt and lastError between attempts', async () => {
    const { uid } = await client.register({
      alias: 'always-throws',
      delaySeconds: 0,
      retry: { maxAttempts: 3, backoff: 'fixed', intervalSeconds: 30 },
    });
    const [first] = await recorder.waitForRuns(uid, 1);
    const waiting = await waitForStatus(client, uid, 'retrying');
    expect(waiting.attempts).toBe(1);
    expect(waiting.lastError).toEqual({ code: 'HANDLER_FAILED', message: 'boom on attempt 1' });
    const next = Date.parse(waiting.nextAttemptAt!);
    expect(next).toBeGreaterThanOrEqual(first!.at + 30_000);
    // The timer starts when the failed attempt is recorded, both in workflow time: exactly the interval.
    expect(next - Date.parse(waiting.attemptHistory[0]!.finishedAt)).toBe(30_000);
    await client.unregister(uid);
  });

  it('makes a single attempt with maxAttempts 1 and with retry null', async () => {
    const one = await client.register({ alias: 'always-throws', delaySeconds: 0, retry: { maxAttempts: 1 } });
    const none = await client.register({ alias: 'always-throws', delaySeconds: 0, retry: null });
    for (const { uid } of [one, none]) {
      const done = await waitForStatus(client, uid, 'failed');
      expect(done.attempts).toBe(1);
      expect(done.retry.maxAttempts).toBe(1);
    }
    await new Promise((resolve) => setTimeout(resolve, 1_500));
    expect(recorder.runsOf(one.uid)).toHaveLength(1);
    expect(recorder.runsOf(none.uid)).toHaveLength(1);
  });

  it('tells false from a throw', async () => {
    const { uid } = await client.register({ alias: 'returns-false', delaySeconds: 0, retry: null });
    const done = await waitForStatus(client, uid, 'failed');
    expect(done.lastError).toEqual({ code: 'HANDLER_RETURNED_FALSE', message: 'the handler returned false' });
  });

  it('succeeds on a later attempt and keeps the earlier errors', async () => {
    const { uid } = await client.register({
      alias: 'third-time-lucky',
      delaySeconds: 0,
      retry: { maxAttempts: 5, backoff: 'fixed', intervalSeconds: 1 },
    });
    const done = await waitForStatus(client, uid, 'succeeded');
    expect(done.attempts).toBe(3);
    expect(done.result).toEqual({ attempt: 3 });
    expect(done.lastError).toEqual({ code: 'HANDLER_FAILED', message: 'not yet (2)' });
    expect(done.attemptHistory.map((a) => a.error?.code ?? null)).toEqual(['HANDLER_FAILED', 'HANDLER_FAILED', null]);
    expect(done.firedAt).toBe(done.attemptHistory[0]!.startedAt);
  });

  it('fails an attempt that outlives attemptTimeoutSeconds', async () => {
    const { uid } = await client.register({ alias: 'sleeps', delaySeconds: 0, retry: null, attemptTimeoutSeconds: 1 });
    const done = await waitForStatus(client, uid, 'failed');
    expect(done.lastError?.code).toBe('ATTEMPT_TIMEOUT');
    const history = done.attemptHistory[0]!;
    expect(Date.parse(history.finishedAt) - Date.parse(history.startedAt)).toBeGreaterThanOrEqual(1_000);
  });

  it('retries an alias no worker defines (ALIAS_NOT_DEFINED) and succeeds once it is defined', async () => {
    const alias = uniqueName('deployed-later');
    const { uid } = await client.register({ alias, delaySeconds: 0, retry: { maxAttempts: 5, backoff: 'fixed', intervalSeconds: 2 } });
    const waiting = await waitForStatus(client, uid, 'retrying');
    expect(waiting.lastError?.code).toBe('ALIAS_NOT_DEFINED');
    client.define(alias, recorder.wrap(async () => 'deployed'));
    const done = await waitForStatus(client, uid, 'succeeded');
    expect(done.result).toBe('deployed');
    expect(done.attempts).toBeGreaterThanOrEqual(2);
    expect(recorder.runsOf(uid)[0]!.attempt).toBe(done.attempts);
  });
});
