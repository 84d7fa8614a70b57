/**
 * Recurring callbacks against the real stack: a limited schedule fires exactly its limit and
 * completes; pause, resume, delete and trigger; each fire is a callback (GET, retries, cancel,
 * list by scheduleId, Web UI link); PATCH; DST on fixed dates; the SDK round trip.
 * Lower bounds on time only: a fire is never early, and about 2 s apart means at least 2 s.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DelayCallbackError, type DelayCallbackClient } from '../../client-sdk/index.js';
import { defaultPayloadConverter } from '@temporalio/common';
import { waitFor } from '../../scripts/lib/wait-for.js';
import { EventType } from '../../server/temporal/enums.js';
import { Recorder, waitForStatus } from '../helpers/recorder.js';
import { startTestStack, uniqueName, type TestStack } from '../helpers/stack.js';

let stack: TestStack;
beforeAll(async () => {
  stack = await startTestStack();
});
afterAll(async () => stack?.close());

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** An app with a started worker whose handlers record every run. */
async function app(prefix: string): Promise<{ name: string; client: DelayCallbackClient; recorder: Recorder }> {
  const name = uniqueName(prefix);
  const recorder = new Recorder();
  const client = stack.client(name);
  client.define('tick', recorder.wrap(async (request) => ({ args: request.args })));
  client.define('slow', recorder.wrap(async () => sleep(3_000).then(() => true)));
  client.define('refuse', recorder.wrap(async () => false));
  await client.start();
  return { name, client, recorder };
}

const runsOf = (recorder: Recorder, scheduleId: string) => recorder.runs.filter((run) => run.uid.startsWith(`${scheduleId}-`));

describe.concurrent('schedules', () => {
  it('every 2 s with limit 3: exactly three fires, 2 s apart and never early, then completed', async () => {
    const { client, recorder } = await app('sched-limit');
    // fireAll (overlap bufferAll): on a loaded machine a fire still in progress at the next fire time
    // delays that fire instead of dropping it (the default overlap skip would drop it, see schedules-missed).
    const created = await client.schedule({ scheduleId: 'three', alias: 'tick', args: ['x'], every: '2s', limit: 3, missedFirePolicy: 'fireAll' });
    expect(created).toMatchObject({ scheduleId: 'three', state: 'active', every: '2s', limit: 3, replayed: false });
    expect(created.fires).toMatchObject({ total: 0, remaining: 3 });
    expect(created.nextFireTimes).toHaveLength(3);
    const planned = created.nextFireTimes.map((time) => Date.parse(time));
    expect(planned[1]! - planned[0]!).toBe(2_000);
    expect(planned[2]! - planned[1]!).toBe(2_000);

    await waitFor('three fires', async () => runsOf(recorder, 'three').length >= 3, { timeoutMs: 30_000, intervalMs: 100 });
    await sleep(5_000); // two more fire times: nothing more may come
    const runs = runsOf(recorder, 'three');
    expect(runs).toHaveLength(3);
    expect(runs.map((run) => run.triggerAt)).toEqual(created.nextFireTimes);
    for (const run of runs) {
      expect(run.at).toBeGreaterThanOrEqual(Date.parse(run.triggerAt));
      expect(run.args).toEqual(['x']);
    }
    expect(new Set(runs.map((run) => run.uid)).size).toBe(3);

    const done = await waitFor(
      'completed, with the fires succeeded',
      async () => {
        const schedule = await client.getSchedule('three');
        return schedule.recentFires.every((fire) => fire.status === 'succeeded') ? schedule : undefined;
      },
      { timeoutMs: 15_000, intervalMs: 200 },
    );
    expect(done.state).toBe('completed');
    expect(done.fires).toMatchObject({ total: 3, remaining: 0, missed: 0 });
    expect(done.nextFireTimes).toEqual([]);
    expect(done.recentFires.map((fire) => fire.uid)).toEqual(runs.map((run) => run.uid).reverse());
  });

  it('a paused schedule does not fire, and fires again after resume', async () => {
    const { client, recorder } = await app('sched-pause');
    await client.schedule({ scheduleId: 'p', alias: 'tick', every: '2s' });
    await waitFor('a first fire', async () => runsOf(recorder, 'p').length >= 1, { timeoutMs: 20_000, intervalMs: 100 });

    const paused = await client.pauseSchedule('p', 'quiet please');
    const pausedAt = Date.now();
    expect(paused).toMatchObject({ state: 'paused', note: 'quiet please', nextFireTimes: [] });
    await sleep(5_000);
    expect(runsOf(recorder, 'p').filter((run) => Date.parse(run.triggerAt) > pausedAt)).toEqual([]);

    const resumed = await client.resumeSchedule('p');
    const resumedAt = Date.now();
    expect(resumed.state).toBe('active');
    expect(resumed.nextFireTimes.length).toBeGreaterThan(0);
    const [next] = await waitFor(
      'a fire after resume',
      async () => {
        const after = runsOf(recorder, 'p').filter((run) => Date.parse(run.triggerAt) > resumedAt - 1_000);
        return after.length > 0 ? after : undefined;
      },
      { timeoutMs: 20_000, intervalMs: 100 },
    );
    expect(next!.at).toBeGreaterThanOrEqual(Date.parse(next!.triggerAt));
    // Fire times that passed while paused were not caught up.
    expect(runsOf(recorder, 'p').filter((run) => Date.parse(run.triggerAt) > pausedAt && Date.parse(run.triggerAt) < resumedAt - 2_000)).toEqual([]);
    await client.deleteSchedule('p');
  });

  it('a deleted schedule stops; the fire in flight finishes', async () => {
    const { client, recorder } = await app('sched-delete');
    await client.schedule({ scheduleId: 'd', alias: 'slow', every: '2s' });
    const [first] = await waitFor('a fire in flight', async () => (runsOf(recorder, 'd').length ? runsOf(recorder, 'd') : undefined), {
      timeoutMs: 20_000,
      intervalMs: 50,
    });
    const last = await client.deleteSchedule('d');
    const deletedAt = Date.now();
    expect(last.scheduleId).toBe('d');
    expect(last.recentFires.map((fire) => fire.uid)).toContain(first!.uid);

    expect((await waitForStatus(client, first!.uid, 'succeeded')).attempts).toBe(1);
    await sleep(5_000);
    expect(runsOf(recorder, 'd').filter((run) => Date.parse(run.triggerAt) > deletedAt)).toEqual([]);
    const gone = await client.getSchedule('d').catch((err: unknown) => err);
    expect(gone).toBeInstanceOf(DelayCallbackError);
    expect(gone).toMatchObject({ code: 'SCHEDULE_NOT_FOUND', status: 404 });
  });

  it('each fire is a callback: GET, retries, cancel, list by scheduleId, Web UI link', async () => {
    const { name, client, recorder } = await app('sched-fire');
    await client.schedule({
      scheduleId: 'r',
      alias: 'refuse',
      every: '2s',
      limit: 1,
      retry: { maxAttempts: 3, backoff: 'fixed', intervalSeconds: 60 },
    });
    const [run] = await waitFor('the fire', async () => (runsOf(recorder, 'r').length ? runsOf(recorder, 'r') : undefined), {
      timeoutMs: 20_000,
      intervalMs: 50,
    });
    expect(run!.uid).toMatch(/^r-\d{8}T\d{6}Z$/);
    const retrying = await waitForStatus(client, run!.uid, 'retrying');
    expect(retrying).toMatchObject({ uid: run!.uid, app: name, alias: 'refuse', attempts: 1, triggerAt: run!.triggerAt });
    expect(retrying.lastError?.code).toBe('HANDLER_RETURNED_FALSE');
    expect(Date.parse(retrying.nextAttemptAt!)).toBeGreaterThan(Date.parse(retrying.triggerAt));
    const workflowId = `callback:${name}:r-${run!.triggerAt.slice(0, 19)}Z`;
    expect(retrying.links.webUi).toContain(encodeURIComponent(workflowId));

    // Its CallbackTriggerAt went to visibility once, in the run's first workflow task (where Temporal
    // writes the run's BuildIds anyway), before the attempt was scheduled.
    const { history } = await stack.temporal.workflowService.getWorkflowExecutionHistory({ namespace: 'default', execution: { workflowId } });
    const events = history?.events ?? [];
    const firstAttempt = events.find((event) => event.eventType === EventType.EVENT_TYPE_ACTIVITY_TASK_SCHEDULED)!;
    const firstTask = events.find((event) => event.eventType === EventType.EVENT_TYPE_WORKFLOW_TASK_COMPLETED)!;
    const upserts = events.filter((event) => event.eventType === EventType.EVENT_TYPE_UPSERT_WORKFLOW_SEARCH_ATTRIBUTES && Number(event.eventId) < Number(firstAttempt.eventId));
    expect(upserts).toHaveLength(1);
    const upsert = upserts[0]!.upsertWorkflowSearchAttributesEventAttributes!;
    expect(Number(upsert.workflowTaskCompletedEventId)).toBe(Number(firstTask.eventId));
    const fields = upsert.searchAttributes!.indexedFields!;
    expect(Object.keys(fields)).toEqual(['CallbackTriggerAt']);
    expect(new Date(defaultPayloadConverter.fromPayload<string>(fields.CallbackTriggerAt!)).toISOString()).toBe(run!.triggerAt);

    const listed = await waitFor(
      'the fire in the scheduleId listing',
      async () => {
        const page = await client.list({ scheduleId: 'r' });
        return page.items.find((item) => item.uid === run!.uid && item.status === 'retrying') ? page : undefined;
      },
      { timeoutMs: 15_000, intervalMs: 200 },
    );
    expect(listed.items).toHaveLength(1);
    expect(listed.items[0]).toMatchObject({ uid: run!.uid, triggerAt: run!.triggerAt, alias: 'refuse' });
    expect((await client.list({ scheduleId: 'other' })).items).toEqual([]);

    expect(await client.unregister(run!.uid)).toEqual({ uid: run!.uid, status: 'cancelled' });
    expect((await client.get(run!.uid)).status).toBe('cancelled');
    expect(recorder.runsOf(run!.uid)).toHaveLength(1);
  });

  it('trigger fires now and does not count against the limit', async () => {
    const { client, recorder } = await app('sched-trigger');
    const startAt = new Date(Date.now() + 30 * 86_400_000);
    await client.schedule({ scheduleId: 't', alias: 'tick', every: '1d', startAt, limit: 2 });
    const before = Date.now();
    const triggered = await client.triggerSchedule('t');
    expect(triggered.state).toBe('active');
    const [run] = await waitFor('the triggered fire', async () => (runsOf(recorder, 't').length ? runsOf(recorder, 't') : undefined), {
      timeoutMs: 20_000,
      intervalMs: 50,
    });
    // The fire's time is the second it was taken (Temporal truncates it), so at most a second before the call.
    expect(Date.parse(run!.triggerAt)).toBeGreaterThanOrEqual(Math.floor(before / 1000) * 1000);
    expect(run!.at).toBeGreaterThanOrEqual(Date.parse(run!.triggerAt));
    const after = await client.getSchedule('t');
    expect(after.fires).toMatchObject({ total: 1, remaining: 2 });
    // every is aligned to startAt (to its whole second): the first fire is at startAt.
    expect(Date.parse(after.nextFireTimes[0]!) - startAt.getTime()).toBeGreaterThanOrEqual(0);
    expect(Date.parse(after.nextFireTimes[0]!) - startAt.getTime()).toBeLessThan(1_000);
    await client.deleteSchedule('t');
  });

  it('PATCH changes timing and args; the next fires use them', async () => {
    const { client, recorder } = await app('sched-patch');
    await client.schedule({ scheduleId: 'u', alias: 'tick', args: [1], cron: '0 0 1 1 *', timezone: 'Asia/Tokyo' });
    const updated = await client.updateSchedule('u', { every: '2s', args: [2], missedFirePolicy: 'skip' });
    expect(updated).toMatchObject({ every: '2s', cron: null, timezone: 'UTC', args: [2], missedFirePolicy: 'skip', catchupWindowSeconds: 10, overlap: 'skip' });
    expect(Date.parse(updated.updatedAt!)).toBeGreaterThanOrEqual(Date.parse(updated.createdAt));
    const [run] = await waitFor('a fire with the new args', async () => (runsOf(recorder, 'u').length ? runsOf(recorder, 'u') : undefined), {
      timeoutMs: 20_000,
      intervalMs: 50,
    });
    expect(run!.args).toEqual([2]);
    await client.deleteSchedule('u');
  });

  it('DST: a skipped wall-clock time does not fire that day, a repeated one fires twice (fixed dates)', async () => {
    const { client } = await app('sched-dst');
    // 2031-03-09: New York skips 02:00-03:00; 2031-11-02: it repeats 01:00-02:00.
    const spring = await client.schedule({ scheduleId: 'spring', alias: 'tick', cron: '30 2 * * *', timezone: 'America/New_York', startAt: '2031-03-08T00:00:00-05:00' });
    expect(spring.nextFireTimes).toEqual([
      '2031-03-08T07:30:00.000Z', // 02:30 EST
      '2031-03-10T06:30:00.000Z', // 02:30 EDT: none on the 9th
      '2031-03-11T06:30:00.000Z',
      '2031-03-12T06:30:00.000Z',
      '2031-03-13T06:30:00.000Z',
    ]);
    const autumn = await client.schedule({ scheduleId: 'autumn', alias: 'tick', cron: '30 1 * * *', timezone: 'America/New_York', startAt: '2031-11-01T00:00:00-04:00' });
    expect(autumn.nextFireTimes).toEqual([
      '2031-11-01T05:30:00.000Z', // 01:30 EDT
      '2031-11-02T05:30:00.000Z', // 01:30 EDT
      '2031-11-02T06:30:00.000Z', // 01:30 EST, the same wall-clock time again
      '2031-11-03T06:30:00.000Z',
      '2031-11-04T06:30:00.000Z',
    ]);
    // Europe: 2031-03-30 skips 02:00-03:00 in Paris; a time outside the gap is unaffected.
    const paris = await client.schedule({ scheduleId: 'paris', alias: 'tick', cron: '0 30 2,4 * * *', timezone: 'Europe/Paris', startAt: '2031-03-29T00:00:00+01:00' });
    expect(paris.nextFireTimes).toEqual([
      '2031-03-29T01:30:00.000Z', // 02:30 CET
      '2031-03-29T03:30:00.000Z', // 04:30 CET
      '2031-03-30T02:30:00.000Z', // 04:30 CEST: no 02:30 on the 30th
      '2031-03-31T00:30:00.000Z', // 02:30 CEST
      '2031-03-31T02:30:00.000Z',
    ]);
    // The same hours in UTC: no gap, no repeat.
    const utc = await client.schedule({ scheduleId: 'utc', alias: 'tick', cron: '30 2 * * *', startAt: '2031-03-08T00:00:00Z' });
    expect(utc.nextFireTimes.slice(0, 3)).toEqual(['2031-03-08T02:30:00.000Z', '2031-03-09T02:30:00.000Z', '2031-03-10T02:30:00.000Z']);
    for (const id of ['spring', 'autumn', 'paris', 'utc']) await client.deleteSchedule(id);
  });

  it('SDK round trip: create (replayed on retry), get, list, update, pause, resume, trigger, delete', async () => {
    const { name, client } = await app('sched-sdk');
    const params = { scheduleId: 'sdk', alias: 'tick', args: { n: 1 }, every: '1h', startAt: new Date(Date.now() + 86_400_000) };
    const created = await client.schedule<{ n: number }>(params);
    expect(created.replayed).toBe(false);
    expect(created.args.n).toBe(1);
    expect(created.links).toEqual({
      self: `/v1/apps/${name}/schedules/sdk`,
      fires: `/v1/apps/${name}/callbacks?scheduleId=sdk`,
      webUi: expect.stringContaining(`/schedules/${encodeURIComponent(`schedule:${name}:sdk`)}`),
    });
    expect((await client.schedule<{ n: number }>(params)).replayed).toBe(true);
    const conflict = await client.schedule({ ...params, args: { n: 2 } }).catch((err: unknown) => err);
    expect(conflict).toMatchObject({ code: 'SCHEDULE_EXISTS', status: 409 });
    const generated = await client.schedule({ alias: 'tick', every: '1h', startAt: params.startAt });
    expect(generated.scheduleId).toMatch(/^[0-9a-f-]{36}$/);

    expect((await client.getSchedule<{ n: number }>('sdk')).args).toEqual({ n: 1 });
    const listed = await waitFor(
      'both in the listing',
      async () => {
        const page = await client.listSchedules({ pageSize: 10 });
        return page.items.length === 2 ? page : undefined;
      },
      { timeoutMs: 15_000, intervalMs: 200 },
    );
    expect(listed.items.map((item) => item.scheduleId).sort()).toEqual(['sdk', generated.scheduleId].sort());
    expect(listed.items.find((item) => item.scheduleId === 'sdk')).toMatchObject({ alias: 'tick', state: 'active', app: name });

    expect((await client.updateSchedule('sdk', { limit: 5, overlap: 'bufferOne' })).fires.remaining).toBe(5);
    expect((await client.pauseSchedule('sdk')).state).toBe('paused');
    expect((await client.resumeSchedule('sdk', 'back')).note).toBe('back');
    expect((await client.triggerSchedule('sdk')).fires.total).toBeGreaterThanOrEqual(0);
    await waitFor('the trigger recorded', async () => (await client.getSchedule('sdk')).fires.total === 1, { timeoutMs: 10_000, intervalMs: 100 });
    expect((await client.deleteSchedule('sdk')).scheduleId).toBe('sdk');
    await client.deleteSchedule(generated.scheduleId);
    expect(await client.getSchedule('sdk').catch((err: unknown) => (err as DelayCallbackError).code)).toBe('SCHEDULE_NOT_FOUND');
  });
});
