/** Stateless processes: a registration outlives the facade, the service worker and the app worker. */
import { describe, expect, inject, it } from 'vitest';
import { Recorder, waitForStatus } from '../helpers/recorder.js';
import { startTestStack, uniqueName } from '../helpers/stack.js';

describe('restarts', () => {
  it('fires a callback registered before the facade, its worker and the app worker were all replaced', async () => {
    const app = uniqueName('restart');
    const first = await startTestStack();
    const firstClient = first.client(app);
    const firstRecorder = new Recorder();
    firstClient.define('ok', firstRecorder.wrap(async () => 'first'));
    await firstClient.start();
    const { uid, triggerAt } = await firstClient.register({ alias: 'ok', delaySeconds: 4 });
    await first.close(); // facade, service worker and app worker all gone before the trigger

    const second = await startTestStack();
    try {
      const secondClient = second.client(app);
      const secondRecorder = new Recorder();
      secondClient.define('ok', secondRecorder.wrap(async () => 'second'));
      await secondClient.start();
      const [run] = await secondRecorder.waitForRuns(uid, 1);
      expect(run!.at).toBeGreaterThanOrEqual(Date.parse(triggerAt));
      const done = await waitForStatus(secondClient, uid, 'succeeded');
      expect(done.result).toBe('second');
      expect(firstRecorder.runs).toHaveLength(0);
    } finally {
      await second.close();
    }
  });

  it('waits for a worker of the app when none runs at the trigger time, and records the lateness', async () => {
    const stack = await startTestStack();
    try {
      const client = stack.client(uniqueName('noworker'));
      const recorder = new Recorder();
      client.define('ok', recorder.wrap(async () => true));
      const { uid } = await client.register({ alias: 'ok', delaySeconds: 0, retry: null });
      // The attempt is scheduled on the app's queue and waits there: no failure, no attempt used up.
      const waiting = await waitForStatus(client, uid, 'running');
      expect(waiting.attempts).toBe(1);
      await new Promise((resolve) => setTimeout(resolve, 2_000));
      expect((await client.get(uid)).status).toBe('running');
      await client.start();
      const done = await waitForStatus(client, uid, 'succeeded');
      expect(done.attempts).toBe(1);
      expect(done.latenessMs).toBeGreaterThanOrEqual(2_000);
      expect(recorder.runsOf(uid)).toHaveLength(1);
    } finally {
      await stack.close();
    }
  });

  it('reads a waiting callback without any service worker, answers 503 naming it for a cancel, and recovers when one starts', async () => {
    // A namespace of its own: the other test files' service workers poll the default one.
    const namespace = { TEMPORAL_NAMESPACE: inject('isolatedNamespace') };
    const facadeOnly = await startTestStack({ serviceWorker: false, env: { ...namespace, DEPENDENCY_TIMEOUT_MS: '1500' } });
    try {
      const app = uniqueName('noservice');
      const registered = await facadeOnly.http('POST', `/v1/apps/${app}/callbacks`, { alias: 'ok', delaySeconds: 3_600 });
      expect(registered.status).toBe(201);
      // Until its trigger the workflow has not run: GET answers from Temporal alone.
      const read = await facadeOnly.http('GET', `/v1/apps/${app}/callbacks/${registered.body.uid}`);
      expect(read).toMatchObject({ status: 200, body: { status: 'scheduled', attempts: 0 } });
      // A cancel is an update, which a service worker must run.
      const unanswered = await facadeOnly.http('DELETE', `/v1/apps/${app}/callbacks/${registered.body.uid}`);
      expect(unanswered.status).toBe(503);
      expect(unanswered.headers.get('retry-after')).toBe('5');
      expect(unanswered.body.error).toMatchObject({ code: 'DEPENDENCY_UNAVAILABLE', details: [{ dependency: 'service-worker' }] });
      const withWorker = await startTestStack({ env: namespace }); // its service worker serves every facade
      try {
        expect((await facadeOnly.http('DELETE', `/v1/apps/${app}/callbacks/${registered.body.uid}`)).body).toEqual({
          uid: registered.body.uid,
          status: 'cancelled',
        });
        expect((await facadeOnly.http('GET', `/v1/apps/${app}/callbacks/${registered.body.uid}`)).body.status).toBe('cancelled');
      } finally {
        await withWorker.close();
      }
    } finally {
      await facadeOnly.close();
    }
  });
});
