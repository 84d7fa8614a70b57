/**
 * The hostile table through `app.inject`, against the real stack (admin token on, so
 * every request passes auth and meets validation): each case asserts status, envelope
 * code and the field named; afterwards visibility shows that none started a workflow.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { waitFor } from '../../scripts/lib/wait-for.js';
import { appNamesIn, hostileCases, type HostileCase } from '../helpers/hostile-cases.js';
import { expectEnvelope } from '../helpers/envelope.js';
import { startTestStack, uniqueName, type TestStack } from '../helpers/stack.js';
import { expectCallbackCount } from '../helpers/visibility.js';

const ADMIN = 'hostile-admin-token-0123456789';
const app = uniqueName('hostile');
const cases = hostileCases(app, Date.now());
const outcomes = new Map<string, number>();

let stack: TestStack;
beforeAll(async () => {
  stack = await startTestStack({ env: { DELAY_CALLBACK_ADMIN_TOKEN: ADMIN } });
});
afterAll(async () => stack?.close());

function inject(c: HostileCase) {
  const headers: Record<string, string> = { authorization: `Bearer ${ADMIN}`, ...c.headers };
  const payload = c.body === undefined ? undefined : typeof c.body === 'string' ? c.body : JSON.stringify(c.body);
  const contentType = c.contentType === undefined ? (payload === undefined ? undefined : 'application/json') : c.contentType;
  if (contentType) headers['content-type'] = contentType;
  return stack.app.inject({ method: c.method as 'GET', url: c.path, headers, payload });
}

describe('hostile requests through app.inject', () => {
  it('has at least 100 cases with distinct names', () => {
    expect(cases.length).toBeGreaterThanOrEqual(100);
    expect(new Set(cases.map((c) => c.name)).size).toBe(cases.length);
  });

  it.each(cases.map((c) => [c.name, c] as const))('%s', async (_name, c) => {
    const response = await inject(c);
    expect(response.statusCode).toBeLessThan(500);
    expectEnvelope(c, response.statusCode, response.body);
    expect(response.headers['content-type']).toMatch(/^application\/json/);
    if (c.status === 401) expect(response.headers['www-authenticate']).toBeDefined();
    if (c.status === 405) expect(response.headers.allow).toBeDefined();
    const key = `${response.statusCode} ${c.code}`;
    outcomes.set(key, (outcomes.get(key) ?? 0) + 1);
  });

  it('started no workflow for any of them', async () => {
    console.log(`[hostile-inject] ${cases.length} cases: ${[...outcomes].sort().map(([k, n]) => `${k} x${n}`).join(', ')}`);
    // A sentinel proves visibility is caught up (and that the count can see a start at all).
    const sentinel = await inject({ name: 'sentinel', method: 'POST', path: `/v1/apps/${app}/callbacks`, body: { alias: 'sentinel', delaySeconds: 3600 }, status: 201, code: '' });
    expect(sentinel.statusCode).toBe(201);
    await expectCallbackCount(stack.temporal, appNamesIn(cases), 1);
    await stack.temporal.workflow.getHandle(`callback:${app}:${(JSON.parse(sentinel.body) as { uid: string }).uid}`).terminate('test over');
  });
});

describe('prototype keys inside args', () => {
  it('are stored, delivered and returned as plain data, polluting nothing', async () => {
    const protoApp = uniqueName('hostile-proto');
    const client = stack.client(protoApp, { token: ADMIN });
    const seen: unknown[] = [];
    client.define('echo', async (req) => {
      seen.push(req.args);
      return req.args;
    });
    await client.start();
    const args =
      '{"__proto__":{"polluted":true},"constructor":{"prototype":{"polluted":true}},"list":[{"__proto__":{"isAdmin":true}}],"toString":"x"}';
    const response = await stack.app.inject({
      method: 'POST',
      url: `/v1/apps/${protoApp}/callbacks`,
      headers: { authorization: `Bearer ${ADMIN}`, 'content-type': 'application/json' },
      payload: `{"alias":"echo","delaySeconds":0,"args":${args}}`,
    });
    expect(response.statusCode, response.body).toBe(201);
    const { uid } = JSON.parse(response.body) as { uid: string };

    const done = await waitFor('succeeded', async () => {
      const read = await stack.http('GET', `/v1/apps/${protoApp}/callbacks/${uid}`, undefined, { authorization: `Bearer ${ADMIN}` });
      return read.body?.status === 'succeeded' ? read.body : undefined;
    }, { timeoutMs: 20_000, intervalMs: 250 });

    // GET answers args (and the handler's result) exactly as sent: key order, own __proto__ key and all.
    expect(JSON.stringify(done.args)).toBe(args);
    expect(JSON.stringify(done.result)).toBe(args);
    expect(seen).toHaveLength(1);
    const delivered = seen[0] as Record<string, unknown>;
    expect(Object.prototype.hasOwnProperty.call(delivered, '__proto__')).toBe(true);
    expect(Object.getPrototypeOf(delivered)).toBe(Object.prototype);
    expect((delivered as { polluted?: unknown }).polluted).toBeUndefined();
    expect(({} as { polluted?: unknown; isAdmin?: unknown }).polluted).toBeUndefined();
    expect(({} as { isAdmin?: unknown }).isAdmin).toBeUndefined();
  });
});
