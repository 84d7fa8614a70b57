/**
 * The schedule routes over HTTP: bad bodies answer 400 with the field and the parser's message
 * and create nothing; unknown ids 404 SCHEDULE_NOT_FOUND; auth as for callbacks; 405 and 415;
 * idempotent creates (scheduleId or Idempotency-Key); the per-app limit; paged listing; a body-
 * less pause. No service worker: nothing here fires (start times are far away).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { waitFor } from '../../scripts/lib/wait-for.js';
import { expectEnvelope } from '../helpers/envelope.js';
import { startTestStack, uniqueName, type TestStack } from '../helpers/stack.js';
import { resendAfter503 } from '../helpers/transient.js';

const TOKENS = { a: 'tok-sched-a-1234', b: 'tok-sched-b-5678', admin: 'tok-sched-admin-90' };
const appA = uniqueName('sched-http-a');
const appB = uniqueName('sched-http-b');
const auth = (token: string) => ({ authorization: `Bearer ${token}` });
const FAR = '2031-01-01T00:00:00Z';

let stack: TestStack;
beforeAll(async () => {
  stack = await startTestStack({
    serviceWorker: false,
    env: {
      DELAY_CALLBACK_TOKENS: `${appA}=${TOKENS.a},${appB}=${TOKENS.b}`,
      DELAY_CALLBACK_ADMIN_TOKEN: TOKENS.admin,
      MAX_SCHEDULES_PER_APP: '3',
    },
  });
});
afterAll(async () => stack?.close());

async function send(method: 'GET' | 'POST' | 'PATCH' | 'DELETE' | 'PUT', url: string, body?: unknown, headers: Record<string, string> = auth(TOKENS.admin)) {
  const response = await stack.app.inject({
    method,
    url,
    headers: body === undefined ? headers : { 'content-type': 'application/json', ...headers },
    payload: body === undefined ? undefined : JSON.stringify(body),
  });
  return { status: response.statusCode, text: response.body, body: response.body ? response.json() : undefined, headers: response.headers };
}

async function countSchedules(app: string): Promise<number> {
  const { schedules } = await stack.temporal.workflowService.listSchedules({ namespace: 'default', maximumPageSize: 100, query: `CallbackApp = '${app}'` });
  return schedules?.length ?? 0;
}

describe('bad bodies: 400 naming the field, nothing created', () => {
  const app = uniqueName('sched-bad');
  const base = { alias: 'tick', every: '5m' };
  const cases: Array<{ name: string; body: unknown; field: string; says?: RegExp }> = [
    { name: 'neither every nor cron', body: { alias: 'tick' }, field: 'body.every', says: /one of every or cron/ },
    { name: 'both every and cron', body: { ...base, cron: '* * * * *' }, field: 'body.cron', says: /not both/ },
    { name: 'every 0s', body: { ...base, every: '0s' }, field: 'body.every', says: /whole number followed by s, m, h or d/ },
    { name: 'every 500ms', body: { ...base, every: '500ms' }, field: 'body.every' },
    { name: 'every 1.5h', body: { ...base, every: '1.5h' }, field: 'body.every' },
    { name: 'every as a number', body: { ...base, every: 60 }, field: 'body.every' },
    { name: 'cron out of range', body: { alias: 'tick', cron: '0 25 * * *' }, field: 'body.cron', says: /got value 25 expected range 0-23/ },
    { name: 'cron with 4 fields', body: { alias: 'tick', cron: '* * * *' }, field: 'body.cron', says: /has 4/ },
    { name: 'cron with 7 fields', body: { alias: 'tick', cron: '0 0 0 * * * 2031' }, field: 'body.cron', says: /has 7/ },
    { name: 'cron with L', body: { alias: 'tick', cron: '0 0 L * *' }, field: 'body.cron', says: /Temporal's calendar/ },
    { name: 'cron with both day fields', body: { alias: 'tick', cron: '0 0 13 * FRI' }, field: 'body.cron', says: /dayOfMonth and dayOfWeek/ },
    { name: 'unknown time zone', body: { alias: 'tick', cron: '0 9 * * *', timezone: 'Mars/Olympus' }, field: 'body.timezone', says: /Mars\/Olympus/ },
    { name: 'time zone with every', body: { ...base, timezone: 'Europe/Paris' }, field: 'body.timezone', says: /applies to cron/ },
    { name: 'endAt in the past', body: { ...base, endAt: '2020-01-01T00:00:00Z' }, field: 'body.endAt', says: /in the past/ },
    { name: 'endAt before startAt', body: { ...base, startAt: '2031-02-01T00:00:00Z', endAt: '2031-01-01T00:00:00Z' }, field: 'body.endAt' },
    { name: 'startAt not a date', body: { ...base, startAt: 'soon' }, field: 'body.startAt' },
    { name: 'limit 0', body: { ...base, limit: 0 }, field: 'body.limit' },
    { name: 'catch-up window under 10 s', body: { ...base, catchupWindowSeconds: 5 }, field: 'body.catchupWindowSeconds' },
    { name: 'catch-up window with skip', body: { ...base, missedFirePolicy: 'skip', catchupWindowSeconds: 60 }, field: 'body.catchupWindowSeconds', says: /fireOnce and fireAll/ },
    { name: 'fireAll with overlap skip', body: { ...base, missedFirePolicy: 'fireAll', overlap: 'skip' }, field: 'body.overlap' },
    { name: 'fireOnce with allowAll', body: { ...base, overlap: 'allowAll' }, field: 'body.overlap' },
    { name: 'unknown missed-fire policy', body: { ...base, missedFirePolicy: 'fireSome' }, field: 'body.missedFirePolicy' },
    { name: 'unknown field', body: { ...base, jitter: '1s' }, field: 'body.jitter' },
    { name: 'bad scheduleId', body: { ...base, scheduleId: 'has:colon' }, field: 'body.scheduleId' },
    { name: 'alias missing', body: { every: '5m' }, field: 'body.alias' },
    { name: 'retry out of bounds', body: { ...base, retry: { maxAttempts: 0 } }, field: 'body.retry.maxAttempts' },
  ];
  for (const c of cases) {
    it(c.name, async () => {
      const response = await send('POST', `/v1/apps/${app}/schedules`, c.body);
      const { error } = expectEnvelope({ name: c.name, status: 400, code: 'VALIDATION_FAILED', field: c.field }, response.status, response.text);
      if (c.says) expect(error.message).toMatch(c.says);
    });
  }

  it('args larger than MAX_ARGS_BYTES: 413', async () => {
    const response = await send('POST', `/v1/apps/${app}/schedules`, { ...base, args: 'x'.repeat(70_000) });
    expect(response.status).toBe(413);
    expect(response.body.error.code).toBe('PAYLOAD_TOO_LARGE');
  });

  it('created none of them', async () => {
    await new Promise((resolve) => setTimeout(resolve, 1_000));
    expect(await countSchedules(app)).toBe(0);
  });
});

describe('routes', () => {
  it('answers 404 SCHEDULE_NOT_FOUND for an unknown id on every route', async () => {
    const url = `/v1/apps/${appA}/schedules/nope`;
    for (const [method, path, body] of [
      ['GET', url, undefined],
      ['PATCH', url, { every: '1m' }],
      ['DELETE', url, undefined],
      ['POST', `${url}/pause`, undefined],
      ['POST', `${url}/resume`, { note: 'x' }],
      ['POST', `${url}/trigger`, undefined],
    ] as const) {
      const response = await send(method, path, body);
      expectEnvelope({ name: `${method} ${path}`, status: 404, code: 'SCHEDULE_NOT_FOUND' }, response.status, response.text);
    }
  });

  it('authorizes as the callback routes do: 401 without a token, 403 with another app\'s', async () => {
    const url = `/v1/apps/${appA}/schedules`;
    const missing = await send('GET', url, undefined, {});
    expectEnvelope({ name: 'no token', status: 401, code: 'UNAUTHORIZED' }, missing.status, missing.text);
    const other = await send('POST', url, { alias: 'tick', every: '1m' }, auth(TOKENS.b));
    expectEnvelope({ name: 'other app', status: 403, code: 'FORBIDDEN' }, other.status, other.text);
    const own = await send('GET', url, undefined, auth(TOKENS.a));
    expect(own.status).toBe(200);
  });

  it('answers 405 with Allow and 415 without a content type', async () => {
    const put = await send('PUT', `/v1/apps/${appA}/schedules/x`);
    expect(put.status).toBe(405);
    expect(put.headers.allow).toBe('GET, PATCH, DELETE, HEAD');
    const getTrigger = await send('GET', `/v1/apps/${appA}/schedules/x/trigger`);
    expect(getTrigger.status).toBe(405);
    const raw = await stack.app.inject({ method: 'POST', url: `/v1/apps/${appA}/schedules`, headers: auth(TOKENS.admin), payload: 'alias=tick' });
    expect(raw.statusCode).toBe(415);
  });

  it('PATCH needs a field and checks the result like a create', async () => {
    const created = await send('POST', `/v1/apps/${appB}/schedules`, { scheduleId: 'patch', alias: 'tick', cron: '0 9 * * *', startAt: FAR });
    expect(created.status).toBe(201);
    const empty = await send('PATCH', `/v1/apps/${appB}/schedules/patch`, {});
    expect(empty.status).toBe(400);
    const zone = await send('PATCH', `/v1/apps/${appB}/schedules/patch`, { timezone: 'Nowhere/Land' });
    expectEnvelope({ name: 'bad zone', status: 400, code: 'VALIDATION_FAILED', field: 'body.timezone' }, zone.status, zone.text);
    const overlap = await send('PATCH', `/v1/apps/${appB}/schedules/patch`, { overlap: 'allowAll' });
    expectEnvelope({ name: 'bad overlap', status: 400, code: 'VALIDATION_FAILED', field: 'body.overlap' }, overlap.status, overlap.text);
    const unchanged = await send('GET', `/v1/apps/${appB}/schedules/patch`);
    expect(unchanged.body).toMatchObject({ cron: '0 9 * * *', timezone: 'UTC', overlap: 'skip' });
    const changed = await send('PATCH', `/v1/apps/${appB}/schedules/patch`, { timezone: 'Asia/Tokyo', startAt: null, limit: 2 });
    expect(changed.body).toMatchObject({ cron: '0 9 * * *', timezone: 'Asia/Tokyo', startAt: null, limit: 2, fires: { remaining: 2 } });
    expect(Date.parse(changed.body.nextFireTimes[0]) - Date.now()).toBeLessThan(86_400_000);
    expect(new Date(changed.body.nextFireTimes[0]).getUTCHours()).toBe(0); // 09:00 in Tokyo
    expect((await send('DELETE', `/v1/apps/${appB}/schedules/patch`)).status).toBe(200);
  });

  it('pauses without a body (and with one), resumes with a note', async () => {
    await send('POST', `/v1/apps/${appB}/schedules`, { scheduleId: 'quiet', alias: 'tick', every: '1h', startAt: FAR });
    const bare = await stack.app.inject({ method: 'POST', url: `/v1/apps/${appB}/schedules/quiet/pause`, headers: auth(TOKENS.admin) });
    expect(bare.statusCode).toBe(200);
    expect(bare.json()).toMatchObject({ state: 'paused', nextFireTimes: [] });
    const noted = await send('POST', `/v1/apps/${appB}/schedules/quiet/pause`, { note: 'audit' });
    expect(noted.body).toMatchObject({ state: 'paused', note: 'audit' });
    const bad = await send('POST', `/v1/apps/${appB}/schedules/quiet/pause`, { reason: 'x' });
    expectEnvelope({ name: 'unknown field', status: 400, code: 'VALIDATION_FAILED', field: 'body.reason' }, bad.status, bad.text);
    const emptyJson = await stack.app.inject({
      method: 'POST',
      url: `/v1/apps/${appB}/schedules/quiet/pause`,
      headers: { ...auth(TOKENS.admin), 'content-type': 'application/json' },
    });
    expect(emptyJson.statusCode).toBe(200);
    const textBody = await stack.app.inject({ method: 'POST', url: `/v1/apps/${appB}/schedules/quiet/pause`, headers: auth(TOKENS.admin), payload: 'note=x' });
    expect(textBody.statusCode).toBe(415);
    const triggerBody = await send('POST', `/v1/apps/${appB}/schedules/quiet/trigger`, { now: true });
    expectEnvelope({ name: 'trigger body', status: 400, code: 'VALIDATION_FAILED', field: 'body.now' }, triggerBody.status, triggerBody.text);
    const resumed = await send('POST', `/v1/apps/${appB}/schedules/quiet/resume`, { note: 'back' });
    expect(resumed.body).toMatchObject({ state: 'active', note: 'back' });
    expect(resumed.body.nextFireTimes[0]).toBe('2031-01-01T00:00:00.000Z');
    await send('DELETE', `/v1/apps/${appB}/schedules/quiet`);
  });
});

describe('idempotency, limit and listing', () => {
  it('same scheduleId and body: 200 replayed; different body: 409 SCHEDULE_EXISTS; Idempotency-Key without scheduleId', async () => {
    const app = uniqueName('sched-idem');
    const body = { scheduleId: 'same', alias: 'tick', every: '1h', startAt: FAR, args: { a: 1, b: 2 } };
    const first = await send('POST', `/v1/apps/${app}/schedules`, body);
    expect(first.status).toBe(201);
    expect(first.headers.location).toBe(`/v1/apps/${app}/schedules/same`);
    const again = await send('POST', `/v1/apps/${app}/schedules`, { ...body, args: { b: 2, a: 1 } });
    expect(again.status).toBe(200);
    expect(again.headers['idempotent-replayed']).toBe('true');
    expect(again.body.scheduleId).toBe('same');
    const different = await resendAfter503(async () => {
      const answer = await send('POST', `/v1/apps/${app}/schedules`, { ...body, every: '2h' });
      if (answer.status === 503) expect(answer.headers['retry-after']).toBeDefined();
      return answer;
    }, 3);
    expectEnvelope({ name: 'different body', status: 409, code: 'SCHEDULE_EXISTS' }, different.status, different.text);
    expect((await send('GET', `/v1/apps/${app}/schedules/same`)).body.every).toBe('1h');

    const keyed = { alias: 'tick', every: '1h', startAt: FAR };
    const k1 = await send('POST', `/v1/apps/${app}/schedules`, keyed, { ...auth(TOKENS.admin), 'idempotency-key': 'nightly-1' });
    const k2 = await send('POST', `/v1/apps/${app}/schedules`, keyed, { ...auth(TOKENS.admin), 'idempotency-key': 'nightly-1' });
    expect([k1.status, k2.status]).toEqual([201, 200]);
    expect(k2.body.scheduleId).toBe(k1.body.scheduleId);
    await send('DELETE', `/v1/apps/${app}/schedules/same`);
    await send('DELETE', `/v1/apps/${app}/schedules/${k1.body.scheduleId}`);
  });

  it('refuses a schedule past MAX_SCHEDULES_PER_APP with 409 SCHEDULE_LIMIT_REACHED; a retried create still replays', async () => {
    const app = uniqueName('sched-limit');
    const ids = ['one', 'two', 'three'];
    for (const id of ids) expect((await send('POST', `/v1/apps/${app}/schedules`, { scheduleId: id, alias: 'tick', every: '1h', startAt: FAR })).status).toBe(201);
    await waitFor('three schedules in visibility', async () => (await countSchedules(app)) === 3, { timeoutMs: 15_000, intervalMs: 200 });
    const fourth = await send('POST', `/v1/apps/${app}/schedules`, { scheduleId: 'four', alias: 'tick', every: '1h', startAt: FAR });
    expectEnvelope({ name: 'fourth', status: 409, code: 'SCHEDULE_LIMIT_REACHED' }, fourth.status, fourth.text);
    expect(fourth.body.error.details).toEqual([{ limit: 3 }]);
    const replay = await send('POST', `/v1/apps/${app}/schedules`, { scheduleId: 'two', alias: 'tick', every: '1h', startAt: FAR });
    expect(replay.status).toBe(200);

    // Paged listing, with tokens bound to their listing.
    const page1 = await send('GET', `/v1/apps/${app}/schedules?pageSize=2`);
    expect(page1.status).toBe(200);
    expect(page1.body.items).toHaveLength(2);
    expect(page1.body.nextPageToken).toEqual(expect.any(String));
    const page2 = await send('GET', `/v1/apps/${app}/schedules?pageSize=2&pageToken=${encodeURIComponent(page1.body.nextPageToken)}`);
    expect(page2.body.items).toHaveLength(1);
    expect([...page1.body.items, ...page2.body.items].map((item: { scheduleId: string }) => item.scheduleId).sort()).toEqual(['one', 'three', 'two']);
    const foreign = await send('GET', `/v1/apps/${appA}/schedules?pageToken=${encodeURIComponent(page1.body.nextPageToken)}`);
    expectEnvelope({ name: 'foreign token', status: 400, code: 'VALIDATION_FAILED', field: 'query.pageToken' }, foreign.status, foreign.text);
    expect((await send('GET', `/v1/apps/${app}/schedules?pageSize=0`)).status).toBe(400);

    for (const id of ids) await send('DELETE', `/v1/apps/${app}/schedules/${id}`);
    await waitFor('none left in visibility', async () => (await countSchedules(app)) === 0, { timeoutMs: 15_000, intervalMs: 200 });
    expect((await send('POST', `/v1/apps/${app}/schedules`, { scheduleId: 'four', alias: 'tick', every: '1h', startAt: FAR })).status).toBe(201);
    await send('DELETE', `/v1/apps/${app}/schedules/four`);
  });
});
