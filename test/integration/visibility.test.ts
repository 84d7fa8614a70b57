/** Visibility: list with filters and pages, stats, the overdue detector, redrive, search attributes, memo. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DelayCallbackClient } from '../../client-sdk/index.js';
import type { CallbackSummary } from '../../client-sdk/types.js';
import { waitFor } from '../../scripts/lib/wait-for.js';
import { callbackWorkflowId, searchAttributes } from '../../workflows/contract.js';
import { Recorder, latch, waitForStatus } from '../helpers/recorder.js';
import { startTestStack, uniqueName, type TestStack } from '../helpers/stack.js';

let stack: TestStack;
let client: DelayCallbackClient;
const recorder = new Recorder();
const gate = latch();
let healthy = false;
/** The callbacks of the listing app, by expected status. */
const made: Record<string, CallbackSummary[]> = {};

beforeAll(async () => {
  stack = await startTestStack();
  client = stack.client(uniqueName('vis'));
  client.define('ok', recorder.wrap(async () => true));
  client.define(
    'fails',
    recorder.wrap(async () => {
      throw new Error('always');
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
  const register = async (status: string, params: Parameters<DelayCallbackClient['register']>[0]) => {
    const summary = await client.register(params);
    (made[status] ??= []).push(summary);
    return summary;
  };
  for (let i = 0; i < 3; i++) await register('scheduled', { alias: 'ok', delaySeconds: 3_600 + i * 60 });
  for (let i = 0; i < 2; i++) await register('succeeded', { alias: 'ok', delaySeconds: 0 });
  await register('failed', { alias: 'fails', delaySeconds: 0, retry: null });
  await register('retrying', { alias: 'fails', delaySeconds: 0, retry: { maxAttempts: 3, backoff: 'fixed', intervalSeconds: 3_600 } });
  const toCancel = await register('cancelled', { alias: 'ok', delaySeconds: 3_600 });
  await client.unregister(toCancel.uid);
  await register('running', { alias: 'blocked', delaySeconds: 0 });
  for (const [status, summaries] of Object.entries(made)) {
    for (const { uid } of summaries) await waitForStatus(client, uid, status);
  }
}, 120_000);
afterAll(async () => {
  gate.open();
  await stack?.close();
});

const allUids = (): string[] => Object.values(made).flat().map((s) => s.uid);

/** Visibility is eventually consistent: poll until the listing shows what the workflows already are. */
async function listUntil(filters: Parameters<DelayCallbackClient['list']>[0], expected: string[]) {
  return waitFor(
    `list ${JSON.stringify(filters)} to show ${expected.length} callback(s)`,
    async () => {
      const page = await client.list(filters);
      const uids = page.items.map((item) => item.uid).sort();
      return JSON.stringify(uids) === JSON.stringify([...expected].sort()) ? page : undefined;
    },
    { timeoutMs: 15_000, intervalMs: 200 },
  );
}

describe('list', () => {
  it('lists every callback of the app, open ones first and newest first, with the summary shape', async () => {
    const page = await listUntil({}, allUids());
    // Temporal's SQL visibility order: open workflows by start time, newest first, then closed ones by close time.
    const open = ['scheduled', 'running', 'retrying'];
    const openCount = page.items.filter((item) => open.includes(item.status)).length;
    expect(page.items.slice(0, openCount).every((item) => open.includes(item.status))).toBe(true);
    const created = page.items.slice(0, openCount).map((item) => Date.parse(item.createdAt));
    expect(created).toEqual([...created].sort((a, b) => b - a));
    expect(page.nextPageToken).toBeNull();
    const first = page.items[0]!;
    expect(Object.keys(first).sort()).toEqual(['alias', 'app', 'createdAt', 'links', 'status', 'triggerAt', 'uid']);
    expect(first.links.self).toBe(`/v1/apps/${client.app}/callbacks/${first.uid}`);
  });

  it.each(['scheduled', 'running', 'retrying', 'succeeded', 'failed', 'cancelled'])('filters by status %s', async (status) => {
    const page = await listUntil({ status: status as never }, made[status]!.map((s) => s.uid));
    expect(page.items.every((item) => item.status === status)).toBe(true);
  });

  it('filters by alias and by trigger time', async () => {
    const blocked = made.running!.map((s) => s.uid);
    await listUntil({ alias: 'blocked' }, blocked);
    const scheduled = made.scheduled!;
    const after = Date.parse(scheduled[1]!.triggerAt);
    const expectedLater = Object.values(made)
      .flat()
      .filter((s) => Date.parse(s.triggerAt) >= after)
      .map((s) => s.uid);
    await listUntil({ triggerAfter: new Date(after) }, expectedLater);
    const expectedEarlier = Object.values(made)
      .flat()
      .filter((s) => Date.parse(s.triggerAt) < after)
      .map((s) => s.uid);
    await listUntil({ triggerBefore: after }, expectedEarlier);
  });

  it('pages with tokens: every callback exactly once, null after the last page', async () => {
    await listUntil({}, allUids());
    const seen: string[] = [];
    let pageToken: string | undefined;
    let pages = 0;
    do {
      const page = await client.list({ pageSize: 3, pageToken });
      expect(page.items.length).toBeLessThanOrEqual(3);
      seen.push(...page.items.map((item) => item.uid));
      pageToken = page.nextPageToken ?? undefined;
      pages++;
    } while (pageToken && pages < 10);
    expect(seen.sort()).toEqual(allUids().sort());
    expect(pages).toBeGreaterThanOrEqual(3);
  });

  it.each([
    ['an unknown status', '?status=sleeping'],
    ['a malformed alias', '?alias=..%2Fetc'],
    ['pageSize 0', '?pageSize=0'],
    ['pageSize 1001', '?pageSize=1001'],
    ['pageSize not a number', '?pageSize=ten'],
    ['an invented pageToken', '?pageToken=bm90LWEtdG9rZW4'],
    ['an unparseable trigger bound', '?triggerAfter=yesterday'],
    ['an unknown parameter', '?color=blue'],
  ])('answers 400 for %s', async (_name, query) => {
    const response = await stack.http('GET', `/v1/apps/${client.app}/callbacks${query}`);
    expect(response.status).toBe(400);
    expect(response.body.error.code).toBe('VALIDATION_FAILED');
  });

  it('answers 400 for a token of another listing', async () => {
    const page = await waitFor('a second page', async () => {
      const first = await client.list({ pageSize: 2 });
      return first.nextPageToken ? first : undefined;
    });
    const response = await stack.http('GET', `/v1/apps/${client.app}/callbacks?status=scheduled&pageToken=${page.nextPageToken}`);
    expect(response.status).toBe(400);
  });
});

describe('stats', () => {
  it('counts by status, every status present, with a Web UI link', async () => {
    const expected = Object.fromEntries(Object.entries(made).map(([status, list]) => [status, list.length]));
    const stats = await waitFor('stats to match', async () => {
      const current = await client.stats();
      return JSON.stringify(current.counts) === JSON.stringify({ scheduled: 0, running: 0, retrying: 0, succeeded: 0, failed: 0, cancelled: 0, ...expected })
        ? current
        : undefined;
    }, { timeoutMs: 15_000, intervalMs: 200 });
    expect(Object.keys(stats.counts).sort()).toEqual(['cancelled', 'failed', 'retrying', 'running', 'scheduled', 'succeeded']);
    expect(stats.total).toBe(allUids().length);
    expect(stats.links.webUi).toContain(`query=${encodeURIComponent(`CallbackApp = "${client.app}"`)}`);
  });

  it('reports zeros for an app without callbacks', async () => {
    const stats = await stack.client(uniqueName('empty')).stats();
    expect(stats.counts).toEqual({ scheduled: 0, running: 0, retrying: 0, succeeded: 0, failed: 0, cancelled: 0 });
    expect(stats.overdue).toMatchObject({ count: 0, oldest: null });
  });

  it('detects the oldest overdue callback when no worker of the app runs', async () => {
    const idle = stack.client(uniqueName('idle'));
    const older = await idle.register({ alias: 'ok', delaySeconds: 0 });
    await new Promise((resolve) => setTimeout(resolve, 300));
    await idle.register({ alias: 'ok', delaySeconds: 0 });
    await new Promise((resolve) => setTimeout(resolve, 1_500));
    const stats = await waitFor('overdue callbacks', async () => {
      const current = await idle.stats({ overdueAfterSeconds: 1 });
      return current.overdue.count === 2 ? current : undefined;
    }, { timeoutMs: 15_000, intervalMs: 250 });
    expect(stats.overdue.oldest).toMatchObject({ uid: older.uid, status: 'running', waitingForWorker: true });
    expect(stats.overdue.oldest!.overdueMs).toBeGreaterThanOrEqual(1_000);
    expect((await idle.stats()).overdue.count).toBe(0); // within the default minute
  });
});

describe('redrive', () => {
  it('runs a failed callback again under the same uid, keeping the failed run in the history', async () => {
    const app = stack.client(uniqueName('redrive'));
    app.define('flaky', recorder.wrap(async () => {
      if (!healthy) throw new Error('dependency down');
      return 'recovered';
    }));
    await app.start();
    const { uid } = await app.register({ alias: 'flaky', delaySeconds: 0, retry: null });
    const failed = await waitForStatus(app, uid, 'failed');
    const handle = stack.temporal.workflow.getHandle(callbackWorkflowId(app.app, uid));
    const failedRunId = (await handle.describe()).runId;
    healthy = true;
    const redriven = await app.retry(uid);
    expect(redriven.uid).toBe(uid);
    expect(['scheduled', 'running', 'succeeded']).toContain(redriven.status);
    const done = await waitForStatus(app, uid, 'succeeded');
    expect(done.result).toBe('recovered');
    expect(done.args).toEqual(failed.args);
    expect(done.retry).toEqual(failed.retry);
    expect(recorder.runsOf(uid)).toHaveLength(2);
    expect((await handle.describe()).runId).not.toBe(failedRunId);
    // The link names the workflow, not a run: it opens the latest one.
    expect(done.links.webUi).toBe(failed.links.webUi);
    // Temporal keeps both runs; the listing shows the callback once, as it is now.
    const runs = await stack.temporal.workflow.list({ query: `WorkflowId = '${callbackWorkflowId(app.app, uid)}'` });
    const runIds: string[] = [];
    for await (const run of runs) runIds.push(run.runId);
    expect(runIds).toHaveLength(2);
    const page = await waitFor('listing after redrive', async () => {
      const current = await app.list();
      return current.items[0]?.status === 'succeeded' ? current : undefined;
    });
    expect(page.items.filter((item) => item.uid === uid)).toHaveLength(1);
  });

  it('answers 409 CALLBACK_NOT_FAILED unless failed, and 404 for an unknown uid', async () => {
    const scheduled = made.scheduled![0]!;
    const response = await stack.http('POST', `/v1/apps/${client.app}/callbacks/${scheduled.uid}/retry`);
    expect(response.status).toBe(409);
    expect(response.body.error).toMatchObject({ code: 'CALLBACK_NOT_FAILED', details: [{ status: 'scheduled' }] });
    const succeeded = made.succeeded![0]!;
    expect((await stack.http('POST', `/v1/apps/${client.app}/callbacks/${succeeded.uid}/retry`)).status).toBe(409);
    expect((await stack.http('POST', `/v1/apps/${client.app}/callbacks/nope/retry`)).status).toBe(404);
  });
});

describe('search attributes and memo', () => {
  it('keeps CallbackStatus current at every status, with app, alias and trigger time', async () => {
    for (const [status, summaries] of Object.entries(made)) {
      const { uid, alias, triggerAt } = summaries[0]!;
      const description = await stack.temporal.workflow.getHandle(callbackWorkflowId(client.app, uid)).describe();
      const attributes = description.typedSearchAttributes;
      // A first attempt writes no status (one visibility write less): `scheduled` past the trigger reads `running`.
      expect(attributes.get(searchAttributes.status)).toBe(status === 'running' ? 'scheduled' : status);
      expect(attributes.get(searchAttributes.app)).toBe(client.app);
      expect(attributes.get(searchAttributes.alias)).toBe(alias);
      expect(attributes.get(searchAttributes.triggerAt)?.toISOString()).toBe(triggerAt);
    }
  });

  it('moves CallbackTriggerAt on reschedule and keeps a memo for the Web UI, without the args', async () => {
    const { uid } = await client.register({ alias: 'ok', args: { order: 7, note: 'x'.repeat(300) }, delaySeconds: 3_600 });
    const moved = await client.reschedule(uid, { delaySeconds: 7_200 });
    const description = await stack.temporal.workflow.getHandle(callbackWorkflowId(client.app, uid)).describe();
    expect(description.typedSearchAttributes.get(searchAttributes.triggerAt)?.toISOString()).toBe(moved.triggerAt);
    expect(description.memo).toMatchObject({ alias: 'ok', retry: { maxAttempts: 10, backoff: 'exponential' } });
    // The args are in the workflow's input (the Web UI shows it); a copy in the memo would be stored twice.
    expect(Object.keys(description.memo ?? {}).sort()).toEqual(['alias', 'createdAt', 'retry', 'triggerAt']);
    await client.unregister(uid);
  });

  it("shows the app's worker in its task queue as <app>@<host>:<pid>", async () => {
    const response = await stack.temporal.workflowService.describeTaskQueue({
      namespace: 'default',
      taskQueue: { name: `delay-callback.${client.app}` },
      taskQueueType: 2, // ACTIVITY
    });
    const identities = (response.pollers ?? []).map((poller) => poller.identity);
    expect(identities.some((identity) => new RegExp(`^${client.app}@.+:${process.pid}$`).test(identity ?? ''))).toBe(true);
  });
});
