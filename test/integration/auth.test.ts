/**
 * Auth matrix against the real stack: per-app tokens from DELAY_CALLBACK_TOKENS and a
 * token file (with comments and rotation), the admin token, 401 (with WWW-Authenticate)
 * for missing / malformed / wrong tokens, 403 for another app's token; operations
 * endpoints open; open mode warns; tokens never reach a log line.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loggerOptions } from '../../server/plugins/logging.js';
import { expectEnvelope } from '../helpers/envelope.js';
import { rawRequest } from '../helpers/raw-http.js';
import { startTestStack, uniqueName, type TestStack } from '../helpers/stack.js';

const appA = uniqueName('auth-a');
const appB = uniqueName('auth-b');
const appC = uniqueName('auth-c');
const TOKENS = {
  a: 'tok-a-9f8e7d6c5b4a',
  aRotated: 'tok-a-rotated-1234',
  b: 'tok-b-0a1b2c3d4e5f',
  c: 'tok-c-from-file-77',
  commented: 'tok-d-commented-00',
  admin: 'tok-admin-5555aaaa',
  wrong: 'tok-wrong-secret-31',
};

let dir: string;
let stack: TestStack;
const logLines: string[] = [];
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'auth-test-'));
  const file = join(dir, 'tokens');
  await writeFile(file, [`# tokens of ${appC}`, `${appC}=${TOKENS.c}`, '', `  # ${appA}=${TOKENS.commented}`, `${appA}=${TOKENS.aRotated}`, ''].join('\n'));
  stack = await startTestStack({
    env: {
      DELAY_CALLBACK_TOKENS: `${appA}=${TOKENS.a},${appB}=${TOKENS.b}`,
      DELAY_CALLBACK_TOKENS_FILE: file,
      DELAY_CALLBACK_ADMIN_TOKEN: TOKENS.admin,
    },
    logger: loggerOptions('trace', { write: (line: string) => void logLines.push(line) }),
  });
});
afterAll(async () => {
  await stack?.close();
  await rm(dir, { recursive: true, force: true });
});

const uid = 'unknown-uid-0001';
/** Every route under /v1/apps/{app}: what an authorized request gets. */
const routes = (app: string) => [
  { method: 'POST', path: `/v1/apps/${app}/callbacks`, body: { alias: 'a', delaySeconds: 3600 }, authorized: 201 },
  { method: 'GET', path: `/v1/apps/${app}/callbacks/${uid}`, authorized: 404 },
  { method: 'DELETE', path: `/v1/apps/${app}/callbacks/${uid}`, authorized: 404 },
  { method: 'PATCH', path: `/v1/apps/${app}/callbacks/${uid}`, body: { delaySeconds: 5 }, authorized: 404 },
  { method: 'GET', path: `/v1/apps/${app}/callbacks`, authorized: 200 },
  { method: 'GET', path: `/v1/apps/${app}/stats`, authorized: 200 },
];

const credentials: Array<{ name: string; header?: string; app: string; status: number | 'authorized'; code?: string }> = [
  { name: 'no Authorization header', app: appA, status: 401, code: 'UNAUTHORIZED' },
  { name: 'Basic scheme', header: `Basic ${Buffer.from(`user:${TOKENS.a}`).toString('base64')}`, app: appA, status: 401, code: 'UNAUTHORIZED' },
  { name: 'Bearer without a token', header: 'Bearer', app: appA, status: 401, code: 'UNAUTHORIZED' },
  { name: 'Bearer with two words', header: `Bearer ${TOKENS.a} extra`, app: appA, status: 401, code: 'UNAUTHORIZED' },
  { name: 'token without a scheme', header: TOKENS.a, app: appA, status: 401, code: 'UNAUTHORIZED' },
  { name: 'wrong token', header: `Bearer ${TOKENS.wrong}`, app: appA, status: 401, code: 'UNAUTHORIZED' },
  { name: 'a prefix of the right token', header: `Bearer ${TOKENS.a.slice(0, -1)}`, app: appA, status: 401, code: 'UNAUTHORIZED' },
  { name: 'the right token plus a character', header: `Bearer ${TOKENS.a}x`, app: appA, status: 401, code: 'UNAUTHORIZED' },
  { name: 'a commented-out token of the file', header: `Bearer ${TOKENS.commented}`, app: appA, status: 401, code: 'UNAUTHORIZED' },
  { name: "another app's token", header: `Bearer ${TOKENS.b}`, app: appA, status: 403, code: 'FORBIDDEN' },
  { name: "the file's token on another app", header: `Bearer ${TOKENS.c}`, app: appB, status: 403, code: 'FORBIDDEN' },
  { name: "an app's token on an app with no tokens", header: `Bearer ${TOKENS.a}`, app: uniqueName('auth-none'), status: 403, code: 'FORBIDDEN' },
  { name: 'own token', header: `Bearer ${TOKENS.a}`, app: appA, status: 'authorized' },
  { name: 'own token, scheme in lower case', header: `bearer ${TOKENS.b}`, app: appB, status: 'authorized' },
  { name: 'rotated token from the file', header: `Bearer ${TOKENS.aRotated}`, app: appA, status: 'authorized' },
  { name: 'token from the file', header: `Bearer ${TOKENS.c}`, app: appC, status: 'authorized' },
  { name: 'admin token', header: `Bearer ${TOKENS.admin}`, app: appB, status: 'authorized' },
  { name: 'admin token on an app with no tokens', header: `Bearer ${TOKENS.admin}`, app: uniqueName('auth-any'), status: 'authorized' },
];

describe('auth matrix', () => {
  for (const credential of credentials) {
    it(`${credential.name}: ${credential.status}`, async () => {
      for (const route of routes(credential.app)) {
        const headers: Record<string, string> = credential.header === undefined ? {} : { authorization: credential.header };
        const response = await stack.http(route.method, route.path, route.body, headers);
        const what = `${credential.name} ${route.method} ${route.path}`;
        if (credential.status === 'authorized') {
          expect(response.status, what).toBe(route.authorized);
          continue;
        }
        expectEnvelope({ name: what, status: credential.status, code: credential.code as string }, response.status, JSON.stringify(response.body));
        if (credential.status === 401) expect(response.headers.get('www-authenticate'), what).toMatch(/^Bearer realm=/);
        else expect(response.headers.get('www-authenticate'), what).toBeNull();
      }
    });
  }

  it('checks the token before the body: a bad body without a token is 401, not 400', async () => {
    const response = await stack.http('POST', `/v1/apps/${appA}/callbacks`, { alias: '../x' });
    expect(response.status).toBe(401);
  });

  it('needs no token for /healthz, /readyz, /metrics, /docs and /openapi.json', async () => {
    for (const path of ['/healthz', '/readyz', '/metrics', '/docs', '/openapi.json']) {
      const response = await fetch(`${stack.baseUrl}${path}`);
      expect(response.status, path).toBe(200);
      await response.arrayBuffer();
    }
  });
});

describe('logs', () => {
  it('carry the request id and the callback uid, and never a token', async () => {
    const requestId = 'req-auth-test-0042';
    const registered = await stack.http('POST', `/v1/apps/${appA}/callbacks`, { alias: 'logged', delaySeconds: 3600 }, {
      authorization: `Bearer ${TOKENS.a}`,
      'x-request-id': requestId,
      'idempotency-key': 'idem-key-logged-1',
    });
    expect(registered.status).toBe(201);
    expect(registered.headers.get('x-request-id')).toBe(requestId);
    const callbackUid = registered.body.uid as string;
    expect((await stack.http('GET', `/v1/apps/${appA}/callbacks/${callbackUid}`, undefined, { authorization: `Bearer ${TOKENS.admin}` })).status).toBe(200);
    // A request id that is not sane is replaced, not logged as sent.
    const odd = await stack.http('GET', `/v1/apps/${appA}/callbacks/${callbackUid}`, undefined, { authorization: `Bearer ${TOKENS.a}`, 'x-request-id': 'x'.repeat(200) });
    expect(odd.headers.get('x-request-id')).toMatch(/^[0-9a-f-]{36}$/);
    await stack.http('GET', `/v1/apps/${appA}/callbacks/${uid}`, undefined, { authorization: `Bearer ${TOKENS.wrong}` });
    await stack.http('GET', `/v1/apps/${appA}/callbacks/${uid}`, undefined, { authorization: `Bearer ${TOKENS.b}` });
    // Refused by the HTTP parser with the token in the request: the raw packet must not be logged.
    const port = Number(new URL(stack.baseUrl).port);
    const refused = await rawRequest(port, `GET /healthz HTTP/1.1\r\nAuthorization: Bearer ${TOKENS.c}\r\nBad Header: 1\r\n\r\n`);
    expect(refused.status).toBe(400);
    await new Promise((resolve) => setTimeout(resolve, 200));

    const entries = logLines.map((line) => JSON.parse(line) as Record<string, unknown>);
    expect(entries.some((entry) => entry.reqId === requestId && entry.msg === 'callback registered' && entry.uid === callbackUid)).toBe(true);
    expect(entries.some((entry) => entry.msg === 'request completed' && entry.uid === callbackUid && entry.app === appA)).toBe(true);
    expect(entries.some((entry) => entry.msg === 'refused malformed HTTP request')).toBe(true);
    const all = logLines.join('\n');
    for (const [name, token] of Object.entries(TOKENS)) expect(all.includes(token), `token ${name} in the logs`).toBe(false);
  });
});

describe('open mode', () => {
  it('lets requests through without a token and warns loudly at start-up', async () => {
    const lines: string[] = [];
    const open = await startTestStack({ serviceWorker: false, logger: loggerOptions('info', { write: (line: string) => void lines.push(line) }) });
    try {
      const response = await open.http('GET', `/v1/apps/${appA}/callbacks/${uid}`);
      expect(response.status).toBe(404);
      const warning = lines.map((line) => JSON.parse(line) as { level: number; msg: string }).find((entry) => entry.msg.includes('NO TOKENS CONFIGURED'));
      expect(warning?.level).toBe(40);
    } finally {
      await open.close();
    }
  });
});
