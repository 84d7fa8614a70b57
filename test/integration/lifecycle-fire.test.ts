/** Firing: on time (never early), with args, attempt and result round-tripping, by delay or absolute time. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DelayCallbackError } from '../../client-sdk/index.js';
import type { DelayCallbackClient } from '../../client-sdk/index.js';
import { Recorder, waitForStatus } from '../helpers/recorder.js';
import { startTestStack, uniqueName, type TestStack } from '../helpers/stack.js';

let stack: TestStack;
let client: DelayCallbackClient;
const recorder = new Recorder();
// Never early, never lost: how late a fire is belongs to the benchmark (npm run bench), not to these tests.

beforeAll(async () => {
  stack = await startTestStack();
  client = stack.client(uniqueName('fire'));
  client.define<{ name: string }, { greeting: string; attempt: number }>(
    'greet',
    recorder.wrap(async (req) => ({ greeting: `hello ${req.args.name}`, attempt: req.attempt })),
  );
  client.define('truthy', recorder.wrap(async () => true));
  client.define('void', recorder.wrap(async () => undefined));
  await client.start();
});
afterAll(async () => stack?.close());

describe.concurrent('firing', () => {
  it('fires after delaySeconds, never early, and records lateness', async () => {
    const before = Date.now();
    const registered = await client.register({ alias: 'greet', args: { name: 'ada' }, delaySeconds: 1.5 });
    expect(registered.status).toBe('scheduled');
    expect(Date.parse(registered.triggerAt) - before).toBeGreaterThanOrEqual(1_500);
    const [run] = await recorder.waitForRuns(registered.uid, 1);
    expect(run!.at).toBeGreaterThanOrEqual(Date.parse(registered.triggerAt));

    const done = await waitForStatus(client, registered.uid, 'succeeded');
    expect(done.result).toEqual({ greeting: 'hello ada', attempt: 1 });
    expect(done.args).toEqual({ name: 'ada' });
    expect(done.attempts).toBe(1);
    expect(done.lastError).toBeNull();
    expect(Date.parse(done.firedAt!)).toBeGreaterThanOrEqual(Date.parse(done.triggerAt));
    expect(done.latenessMs).toBe(Date.parse(done.firedAt!) - Date.parse(done.triggerAt));
    expect(Date.parse(done.completedAt!)).toBeGreaterThanOrEqual(Date.parse(done.firedAt!));
    expect(done.attemptHistory).toHaveLength(1);
    expect(done.attemptHistory[0]).toMatchObject({ attempt: 1, error: null });
  });

  it('fires a batch of 20, none early, and reports the lateness', async () => {
    const registered = await Promise.all(
      Array.from({ length: 20 }, (_, i) => client.register({ alias: 'truthy', delaySeconds: 1 + (i % 5) * 0.2 })),
    );
    const lateness = await Promise.all(
      registered.map(async ({ uid, triggerAt }) => {
        const [run] = await recorder.waitForRuns(uid, 1);
        return run!.at - Date.parse(triggerAt);
      }),
    );
    lateness.sort((a, b) => a - b);
    console.log(`fire lateness of 20 callbacks (ms): p50 ${lateness[9]}, max ${lateness[19]}, min ${lateness[0]}`);
    expect(lateness[0]).toBeGreaterThanOrEqual(0);
    expect(lateness).toHaveLength(20);
  });

  it('hands the handler uid, app, alias, args, attempt, triggerAt and firedAt', async () => {
    const registered = await client.register({ alias: 'greet', args: { name: 'bob' }, delaySeconds: 0 });
    const [run] = await recorder.waitForRuns(registered.uid, 1);
    expect(run).toMatchObject({ uid: registered.uid, attempt: 1, args: { name: 'bob' }, triggerAt: registered.triggerAt });
    expect(Date.parse(run!.firedAt)).toBeGreaterThanOrEqual(Date.parse(run!.triggerAt));
  });

  it('fires at an absolute RFC 3339 time with an offset', async () => {
    const at = new Date(Date.now() + 1_500);
    const offset = new Date(at.getTime() + 2 * 3_600_000).toISOString().replace('Z', '+02:00');
    const registered = await client.register({ alias: 'truthy', triggerAt: offset });
    expect(registered.triggerAt).toBe(at.toISOString());
    const [run] = await recorder.waitForRuns(registered.uid, 1);
    expect(run!.at).toBeGreaterThanOrEqual(at.getTime());
    expect((await waitForStatus(client, registered.uid, 'succeeded')).result).toBe(true);
  });

  it('fires at an absolute time in epoch milliseconds and from a Date', async () => {
    const at = Date.now() + 1_000;
    const byEpoch = await client.register({ alias: 'truthy', triggerAt: at });
    const byDate = await client.register({ alias: 'truthy', triggerAt: new Date(at) });
    expect(byEpoch.triggerAt).toBe(new Date(at).toISOString());
    expect(byDate.triggerAt).toBe(new Date(at).toISOString());
    for (const { uid } of [byEpoch, byDate]) {
      const [run] = await recorder.waitForRuns(uid, 1);
      expect(run!.at).toBeGreaterThanOrEqual(at);
    }
  });

  it('fires a trigger time in the past at once, keeping that trigger time', async () => {
    const registered = await client.register({ alias: 'truthy', triggerAt: '2020-01-01T00:00:00Z' });
    expect(registered.triggerAt).toBe('2020-01-01T00:00:00.000Z');
    const [run] = await recorder.waitForRuns(registered.uid, 1);
    expect(run!.triggerAt).toBe('2020-01-01T00:00:00.000Z');
    const done = await waitForStatus(client, registered.uid, 'succeeded');
    expect(done.latenessMs).toBe(Date.parse(done.firedAt!) - Date.parse('2020-01-01T00:00:00.000Z'));
  });

  it('treats a handler that returns nothing as a success with a null result', async () => {
    const registered = await client.register({ alias: 'void', delaySeconds: 0 });
    const done = await waitForStatus(client, registered.uid, 'succeeded');
    expect(done.result).toBeNull();
  });

  it('shows scheduled before the trigger, with the links', async () => {
    const registered = await client.register({ alias: 'truthy', delaySeconds: 3_600 });
    const callback = await client.get(registered.uid);
    expect(callback).toMatchObject({ status: 'scheduled', attempts: 0, firedAt: null, nextAttemptAt: null, result: null });
    expect(callback.links.self).toBe(`/v1/apps/${client.app}/callbacks/${registered.uid}`);
    // The workflow, not one of its runs: continue-as-new and redrive start newer ones (the Web UI opens the latest).
    expect(callback.links.webUi.endsWith(`/namespaces/default/workflows/${encodeURIComponent(`callback:${client.app}:${registered.uid}`)}`)).toBe(true);
    await client.unregister(registered.uid);
  });

  it("accepts the original helper's shape: register(params, { alias, onCallback })", async () => {
    const alias = uniqueName('seed');
    const onCallback = recorder.wrap(async (req: { args: unknown }) => ({ echoed: req.args }));
    expect(client.isDefined(alias)).toBe(false);
    const registered = await client.register({ args: ['hello', 'world'], delaySeconds: 0 }, { alias, onCallback });
    expect(client.isDefined(alias)).toBe(true);
    expect(registered.alias).toBe(alias);
    const done = await waitForStatus(client, registered.uid, 'succeeded');
    expect(done.result).toEqual({ echoed: ['hello', 'world'] });
  });

  it('answers an unknown uid with CALLBACK_NOT_FOUND through the SDK error class', async () => {
    const error = await client.get('no-such-callback').catch((err: unknown) => err);
    expect(error).toBeInstanceOf(DelayCallbackError);
    expect(error).toMatchObject({ code: 'CALLBACK_NOT_FOUND', status: 404 });
  });

  it('answers the register route with 201, Location and the summary', async () => {
    const response = await stack.http('POST', `/v1/apps/${client.app}/callbacks`, { alias: 'truthy', delaySeconds: 3_600 });
    expect(response.status).toBe(201);
    expect(response.headers.get('location')).toBe(`/v1/apps/${client.app}/callbacks/${response.body.uid}`);
    expect(Object.keys(response.body).sort()).toEqual(['alias', 'app', 'createdAt', 'links', 'status', 'triggerAt', 'uid']);
    expect(response.body.createdAt).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/);
    await client.unregister(response.body.uid);
  });
});
