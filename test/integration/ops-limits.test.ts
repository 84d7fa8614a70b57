/**
 * The costly reads cannot be multiplied by callers: /stats is computed once per app and served
 * again (STATS_CACHE_MS), concurrent callers share one computation, and a pile of different ones
 * gets 429; /readyz probes its dependencies about once a second whatever the traffic, and tells
 * why a check failed only to the admin token.
 */
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp } from '../../server/app.js';
import { startTestStack, uniqueName, type TestStack } from '../helpers/stack.js';

const app = uniqueName('limits');
const TOKEN = 'limits-app-token';
const ADMIN = 'limits-admin-token';
const auth = (token: string) => ({ authorization: `Bearer ${token}` });

let stack: TestStack;
/** A facade whose in-process service worker never gets past `starting`, counting how often readiness asks. */
let notReady: FastifyInstance;
let workerStateCalls = 0;

beforeAll(async () => {
  stack = await startTestStack({
    serviceWorker: false,
    env: { DELAY_CALLBACK_TOKENS: `${app}=${TOKEN}`, DELAY_CALLBACK_ADMIN_TOKEN: ADMIN, STATS_CACHE_MS: '60000' },
  });
  notReady = await buildApp(stack.config, {
    temporal: stack.temporal,
    redis: stack.redis,
    metrics: stack.metrics,
    logger: false,
    workerState: () => {
      workerStateCalls++;
      return 'starting';
    },
  });
});
afterAll(async () => {
  await notReady?.close();
  await stack?.close();
});

describe('/stats', () => {
  it('is computed once for concurrent callers, served again with its asOf, and per app', async () => {
    const path = `/v1/apps/${app}/stats`;
    const first = await Promise.all(Array.from({ length: 10 }, () => stack.http('GET', path, undefined, auth(TOKEN))));
    expect(first.map((response) => response.status)).toEqual(Array(10).fill(200));
    const asOf = first[0]!.body.asOf as string;
    expect(Date.parse(asOf)).not.toBeNaN();
    expect(new Set(first.map((response) => response.body.asOf))).toEqual(new Set([asOf]));

    // A new callback does not show until the answer expires (a minute here): the same computation answers.
    const registered = await stack.http('POST', `/v1/apps/${app}/callbacks`, { alias: 'a', delaySeconds: 3600 }, auth(TOKEN));
    expect(registered.status).toBe(201);
    await new Promise((resolve) => setTimeout(resolve, 1_500));
    const again = await stack.http('GET', path, undefined, auth(TOKEN));
    expect(again.body).toEqual(first[0]!.body);

    // Another app (the admin token reads every app) has its own.
    const other = await stack.http('GET', `/v1/apps/${uniqueName('other')}/stats`, undefined, auth(ADMIN));
    expect(other.status).toBe(200);
    expect(Date.parse(other.body.asOf)).toBeGreaterThan(Date.parse(asOf));
  });

  it('answers 429 OVERLOADED with Retry-After to requests piling up behind one computation of the app', async () => {
    const pile = await Promise.all(
      Array.from({ length: 12 }, (_, i) => stack.http('GET', `/v1/apps/${app}/stats?overdueAfterSeconds=${i + 1}`, undefined, auth(TOKEN))),
    );
    const refused = pile.filter((response) => response.status === 429);
    expect(pile.every((response) => response.status === 200 || response.status === 429)).toBe(true);
    expect(refused.length).toBeGreaterThan(0);
    expect(refused[0]!.headers.get('retry-after')).toBe('1');
    expect(refused[0]!.body.error.code).toBe('OVERLOADED');
    console.log(`[ops-limits] 12 stats requests with different parameters: ${12 - refused.length} computed, ${refused.length} refused`);
  });
});

describe('/readyz', () => {
  it('answers anonymous callers only the state of each check', async () => {
    const response = await stack.http('GET', '/readyz');
    expect(response.status).toBe(200);
    expect(Object.keys(response.body).sort()).toEqual(['asOf', 'checks', 'status']);
    expect(response.body).toMatchObject({ status: 'ready', checks: { redis: 'ok', temporal: 'ok' } });
  });

  it('tells why a check fails to the admin token only', async () => {
    const anonymous = await notReady.inject({ url: '/readyz' });
    expect(anonymous.statusCode).toBe(503);
    expect(anonymous.headers['retry-after']).toBe('5');
    expect(anonymous.json()).toEqual({ status: 'not-ready', checks: { redis: 'ok', temporal: 'ok', worker: 'down' }, asOf: expect.any(String) });
    for (const token of [TOKEN, 'not-a-token']) {
      expect((await notReady.inject({ url: '/readyz', headers: auth(token) })).json().reasons).toBeUndefined();
    }
    const admin = await notReady.inject({ url: '/readyz', headers: auth(ADMIN) });
    expect(admin.statusCode).toBe(503);
    expect(admin.json().reasons).toEqual({ worker: 'service worker is starting' });
  });

  it('probes its dependencies far less often than it is asked', async () => {
    await new Promise((resolve) => setTimeout(resolve, 1_100)); // past the previous answer's second
    const before = workerStateCalls;
    const answers = await Promise.all(Array.from({ length: 50 }, () => notReady.inject({ url: '/readyz' })));
    expect(answers.every((answer) => answer.statusCode === 503)).toBe(true);
    const probes = workerStateCalls - before;
    console.log(`[ops-limits] 50 concurrent /readyz: ${probes} probe(s)`);
    expect(probes).toBeGreaterThanOrEqual(1);
    expect(probes).toBeLessThan(25);
  });
});
