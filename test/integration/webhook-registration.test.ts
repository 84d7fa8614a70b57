/**
 * Registering a webhook callback through the real stack (facade, Temporal, Redis): what is
 * accepted and where it is stored, every bad webhook field refused with a 400 naming it (and no
 * workflow started), WEBHOOK_SECRET_MISSING and WEBHOOK_TARGET_BLOCKED, idempotency, the SDK's
 * typed register, and the secrets nowhere: not in answers, logs or the workflow's history.
 */
import { randomBytes } from 'node:crypto';
import { Writable } from 'node:stream';
import { Client, Connection } from '@temporalio/client';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { DelayCallbackError } from '../../client-sdk/index.js';
import { loggerOptions } from '../../server/plugins/logging.js';
import { callbackWorkflowId } from '../../workflows/contract.js';
import { expectEnvelope } from '../helpers/envelope.js';
import { startTestStack, uniqueName, type TestStack } from '../helpers/stack.js';
import { expectCallbackCount } from '../helpers/visibility.js';

const SECRET = `whsec_${randomBytes(32).toString('base64')}`;
const HEADER_CREDENTIAL = `cred-${randomBytes(16).toString('hex')}`;
const app = uniqueName('hooks');
const badApp = uniqueName('hooks-bad');
const noSecretApp = uniqueName('hooks-nosecret');
const logLines: string[] = [];

let stack: TestStack;
beforeAll(async () => {
  const capture = new Writable({
    write(chunk: Buffer, _encoding, done) {
      logLines.push(chunk.toString('utf8'));
      done();
    },
  });
  stack = await startTestStack({
    env: { WEBHOOK_SIGNING_SECRETS: `${app}=${SECRET},${badApp}=${SECRET}`, WEBHOOK_ALLOWED_CIDRS: '127.0.0.1/32', LOG_LEVEL: 'trace' },
    logger: loggerOptions('trace', capture),
    serviceWorker: false,
  });
});
afterAll(async () => stack?.close());

const path = (name = app): string => `/v1/apps/${name}/callbacks`;
const webhook = (overrides: Record<string, unknown> = {}) => ({
  url: 'https://hooks.example.com/delay-callback/orders?source=dc',
  headers: { Authorization: `Bearer ${HEADER_CREDENTIAL}`, 'X-Tenant': 'acme' },
  ...overrides,
});
const body = (extra: Record<string, unknown> = {}) => ({ alias: 'order-expired', args: { order: 42 }, delaySeconds: 3600, webhook: webhook(), ...extra });

/** Every string and payload byte of a history, as a reader of Temporal could see it. */
function historyText(value: unknown, out: string[] = []): string[] {
  if (value instanceof Uint8Array) out.push(Buffer.from(value).toString('utf8'));
  else if (typeof value === 'string') out.push(value);
  else if (Array.isArray(value)) for (const item of value) historyText(item, out);
  else if (value && typeof value === 'object') for (const item of Object.values(value)) historyText(item, out);
  return out;
}

describe('a webhook registration', () => {
  it('is registered, with the target host in the Web UI summary and memo, and the header values nowhere readable', async () => {
    const response = await stack.http('POST', path(), body());
    expect(response.status, JSON.stringify(response.body)).toBe(201);
    expect(response.body).toMatchObject({ app, alias: 'order-expired', status: 'scheduled' });
    expect(JSON.stringify(response.body)).not.toContain(HEADER_CREDENTIAL);

    const handle = stack.temporal.workflow.getHandle(callbackWorkflowId(app, response.body.uid));
    const description = await handle.describe();
    expect(description.memo).toMatchObject({ webhookHost: 'hooks.example.com' });
    expect(await description.staticSummary()).toContain('webhook to hooks.example.com');
    expect(JSON.stringify(description.memo)).not.toContain('/delay-callback/orders');

    // Read back with a plain client, as anyone with access to Temporal or its Web UI would.
    const plain = new Client({ connection: await Connection.connect({ address: inject('temporalAddress') }) });
    try {
      const history = await plain.workflow.getHandle(callbackWorkflowId(app, response.body.uid)).fetchHistory();
      const text = historyText(history).join('\n');
      expect(text).toContain('https://hooks.example.com/delay-callback/orders?source=dc');
      expect(text).toMatch(/"names":\["authorization","x-tenant"\],"sealed":"v1\./);
      expect(text).not.toContain(HEADER_CREDENTIAL);
      expect(text).not.toContain('acme');
      expect(text).not.toContain(SECRET.slice(6, 30));
    } finally {
      await plain.connection.close();
    }

    const read = await stack.http('GET', `${path()}/${response.body.uid}`);
    expect(read.status).toBe(200);
    expect(JSON.stringify(read.body)).not.toContain(HEADER_CREDENTIAL);
    await handle.terminate('test over');
  });

  it('is idempotent with its webhook in the body: same key and body replays, another header value is a different body', async () => {
    const key = uniqueName('idem');
    const first = await stack.http('POST', path(), body({ idempotencyKey: key }));
    const again = await stack.http('POST', path(), body({ idempotencyKey: key }));
    expect(first.status).toBe(201);
    expect(again.status).toBe(200);
    expect(again.headers.get('idempotent-replayed')).toBe('true');
    expect(again.body.uid).toBe(first.body.uid);
    const other = await stack.http('POST', path(), body({ idempotencyKey: key, webhook: webhook({ headers: { Authorization: 'Bearer other' } }) }));
    expect(other.status).toBe(409);
    expect(other.body.error.code).toBe('IDEMPOTENCY_KEY_REUSED');
    await stack.temporal.workflow.getHandle(callbackWorkflowId(app, first.body.uid)).terminate('test over');
  });

  it('is typed in the SDK: register({alias, args, webhook}), and its errors are DelayCallbackErrors', async () => {
    const client = stack.client(app);
    const registered = await client.register({ alias: 'order-expired', args: { order: 7 }, delaySeconds: 3600, webhook: { url: 'https://hooks.example.com/h' } });
    expect(registered).toMatchObject({ app, status: 'scheduled', replayed: false });
    const refused = await client.register({ alias: 'x', delaySeconds: 1, webhook: { url: 'http://169.254.169.254/latest/meta-data' } }).catch((err: unknown) => err);
    expect(refused).toBeInstanceOf(DelayCallbackError);
    expect(refused).toMatchObject({ code: 'WEBHOOK_TARGET_BLOCKED', status: 400 });
    await stack.temporal.workflow.getHandle(callbackWorkflowId(app, registered.uid)).terminate('test over');
  });
});

/** Bad webhooks, each with the code and the field the answer must name. */
const BAD: Array<{ name: string; webhook: unknown; field: string; code?: string; appName?: string }> = [
  { name: 'webhook null', webhook: null, field: 'body.webhook' },
  { name: 'webhook a string', webhook: 'https://example.com', field: 'body.webhook' },
  { name: 'webhook an array', webhook: [webhook()], field: 'body.webhook' },
  { name: 'url missing', webhook: { headers: {} }, field: 'body.webhook.url' },
  { name: 'url a number', webhook: { url: 42 }, field: 'body.webhook.url' },
  { name: 'url empty', webhook: { url: '' }, field: 'body.webhook.url' },
  { name: 'url of 2049 characters', webhook: { url: `https://example.com/${'a'.repeat(2049 - 20)}` }, field: 'body.webhook.url' },
  { name: 'url relative', webhook: { url: '/hooks' }, field: 'body.webhook.url' },
  { name: 'url ftp', webhook: { url: 'ftp://example.com/x' }, field: 'body.webhook.url' },
  { name: 'url with user info', webhook: { url: 'https://user:pw@example.com/x' }, field: 'body.webhook.url' },
  { name: 'url with a line break', webhook: { url: 'https://example.com/a\nb' }, field: 'body.webhook.url' },
  { name: 'unknown field in webhook', webhook: { url: 'https://example.com', method: 'PUT' }, field: 'body.webhook.method' },
  { name: 'headers an array', webhook: { url: 'https://example.com', headers: [['a', 'b']] }, field: 'body.webhook.headers' },
  { name: 'headers null', webhook: { url: 'https://example.com', headers: null }, field: 'body.webhook.headers' },
  { name: 'a header value a number', webhook: { url: 'https://example.com', headers: { 'x-a': 1 } }, field: 'body.webhook.headers.x-a' },
  { name: 'a header value of 1025 characters', webhook: { url: 'https://example.com', headers: { 'x-a': 'v'.repeat(1025) } }, field: 'body.webhook.headers.x-a' },
  {
    name: '21 headers',
    webhook: { url: 'https://example.com', headers: Object.fromEntries(Array.from({ length: 21 }, (_, i) => [`x-h${i}`, 'v'])) },
    field: 'body.webhook.headers',
  },
  { name: 'a header name with a space', webhook: { url: 'https://example.com', headers: { 'x a': 'v' } }, field: 'body.webhook.headers.x a' },
  { name: 'a hop-by-hop header', webhook: { url: 'https://example.com', headers: { Connection: 'close' } }, field: 'body.webhook.headers.Connection' },
  { name: 'host', webhook: { url: 'https://example.com', headers: { host: 'evil' } }, field: 'body.webhook.headers.host' },
  { name: 'content-length', webhook: { url: 'https://example.com', headers: { 'Content-Length': '1' } }, field: 'body.webhook.headers.Content-Length' },
  { name: 'a webhook-* header', webhook: { url: 'https://example.com', headers: { 'webhook-timestamp': '1' } }, field: 'body.webhook.headers.webhook-timestamp' },
  { name: 'a header value with CR LF', webhook: { url: 'https://example.com', headers: { 'x-a': 'v\r\nx-b: injected' } }, field: 'body.webhook.headers.x-a' },
  { name: 'a loopback literal IP', webhook: { url: 'http://127.0.0.2:8080/h' }, field: 'body.webhook.url', code: 'WEBHOOK_TARGET_BLOCKED' },
  { name: 'the metadata address', webhook: { url: 'http://169.254.169.254/latest' }, field: 'body.webhook.url', code: 'WEBHOOK_TARGET_BLOCKED' },
  { name: 'a private literal IP', webhook: { url: 'https://10.1.2.3/h' }, field: 'body.webhook.url', code: 'WEBHOOK_TARGET_BLOCKED' },
  { name: 'an IPv6 loopback', webhook: { url: 'http://[::1]:8080/h' }, field: 'body.webhook.url', code: 'WEBHOOK_TARGET_BLOCKED' },
  { name: 'an IPv4-mapped loopback', webhook: { url: 'http://[::ffff:127.0.0.2]/h' }, field: 'body.webhook.url', code: 'WEBHOOK_TARGET_BLOCKED' },
  { name: 'an app without a signing secret', webhook: { url: 'https://example.com/h' }, field: 'body.webhook', code: 'WEBHOOK_SECRET_MISSING', appName: noSecretApp },
];

describe('a bad webhook', () => {
  it.each(BAD.map((c) => [c.name, c] as const))('%s: 400 naming the field', async (_name, c) => {
    const response = await stack.app.inject({
      method: 'POST',
      url: path(c.appName ?? badApp),
      headers: { 'content-type': 'application/json' },
      payload: JSON.stringify({ alias: 'order-expired', delaySeconds: 60, webhook: c.webhook }),
    });
    const envelope = expectEnvelope({ name: c.name, status: 400, code: c.code ?? 'VALIDATION_FAILED', field: c.field }, response.statusCode, response.body);
    expect(response.body).not.toContain(SECRET.slice(6, 20));
    expect(envelope.error.message.length).toBeLessThan(400);
  });

  it('started no workflow for any of them', async () => {
    // A sentinel proves visibility is caught up: exactly one callback of these apps exists.
    const sentinelApp = uniqueName('hooks-sentinel');
    const sentinel = await stack.http('POST', path(sentinelApp), { alias: 'sentinel', delaySeconds: 3600 });
    expect(sentinel.status).toBe(201);
    await expectCallbackCount(stack.temporal, [badApp, noSecretApp, sentinelApp], 1);
    await stack.temporal.workflow.getHandle(callbackWorkflowId(sentinelApp, sentinel.body.uid)).terminate('test over');
  });
});

describe('secrets', () => {
  it('never reach a log line, at trace level', () => {
    const text = logLines.join('');
    expect(logLines.length).toBeGreaterThan(10);
    expect(text).not.toContain(HEADER_CREDENTIAL);
    expect(text).not.toContain(SECRET.slice(6, 30));
  });
});
