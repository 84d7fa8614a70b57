/**
 * The codec server (`POST /codec/decode`, `/codec/encode`): Temporal's JSON shape both
 * ways, CORS for the Web UI's origin only, X-Namespace, the admin token when tokens are
 * configured (open without), strict validation, limits, the error envelope, and the
 * Temporal CLI decoding through it with `--codec-auth`.
 */
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { promisify } from 'node:util';
import { defaultPayloadConverter, type Payload } from '@temporalio/common';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { AesGcmPayloadCodec } from '../../client-sdk/codec/index.js';
import { callbackWorkflowId } from '../../workflows/contract.js';
import { startTestStack, uniqueName, type TestStack } from '../helpers/stack.js';

const execFileAsync = promisify(execFile);
const KEY = `2026-01=${randomBytes(32).toString('base64')}`;
const OTHER_KEY = `2025-01=${randomBytes(32).toString('base64')}`;
const ADMIN = 'codec-admin-token';
const APP_TOKEN = 'codec-orders-token';
const b64 = (bytes: Uint8Array): string => Buffer.from(bytes).toString('base64');

/** Temporal's JSON form of payloads. */
function toJson(payloads: Payload[]) {
  return {
    payloads: payloads.map((payload) => ({
      metadata: Object.fromEntries(Object.entries(payload.metadata ?? {}).map(([key, value]) => [key, b64(value)])),
      data: b64(payload.data ?? new Uint8Array()),
    })),
  };
}
function fromJson(body: { payloads: Array<{ metadata?: Record<string, string>; data?: string }> }): unknown[] {
  return body.payloads.map((json) =>
    defaultPayloadConverter.fromPayload({
      metadata: Object.fromEntries(Object.entries(json.metadata ?? {}).map(([key, value]) => [key, Buffer.from(value, 'base64')])),
      data: Buffer.from(json.data ?? '', 'base64'),
    }),
  );
}

/** The answer is the error envelope with this status and code. */
function expectEnvelope(response: { statusCode: number; json: <T>() => T }, status: number, code: string): void {
  expect(response.statusCode).toBe(status);
  const body = response.json<{ error: { code: string; message: string } }>();
  expect(Object.keys(body)).toEqual(['error']);
  expect(body.error.code).toBe(code);
  expect(body.error.message.length).toBeGreaterThan(0);
}

let secured: TestStack;
let uiOrigin: string;
beforeAll(async () => {
  secured = await startTestStack({
    serviceWorker: false,
    env: { PAYLOAD_ENCRYPTION_KEYS: KEY, DELAY_CALLBACK_ADMIN_TOKEN: ADMIN, DELAY_CALLBACK_TOKENS: `orders=${APP_TOKEN}` },
  });
  uiOrigin = new URL(secured.config.temporal.uiUrl).origin;
});
afterAll(async () => secured?.close());

const admin = { authorization: `Bearer ${ADMIN}` };
const post = (stack: TestStack, path: string, body: unknown, headers: Record<string, string> = admin) =>
  stack.app.inject({ method: 'POST', url: path, payload: body as object, headers: { 'content-type': 'application/json', ...headers } });

describe('encode and decode', () => {
  it('round-trips: encode encrypts under the first key, decode gives back the same values', async () => {
    const values = [{ card: '4111 1111 1111 1111' }, ['hello', 'world'], null, 'plain text'];
    const encoded = await post(secured, '/codec/encode', toJson(values.map((value) => defaultPayloadConverter.toPayload(value))));
    expect(encoded.statusCode).toBe(200);
    const stored = encoded.json<{ payloads: Array<{ metadata: Record<string, string>; data: string }> }>();
    for (const payload of stored.payloads) {
      expect(Buffer.from(payload.metadata.encoding!, 'base64').toString()).toBe('binary/encrypted');
      expect(Buffer.from(payload.metadata['encryption-key-id']!, 'base64').toString()).toBe('2026-01');
      expect(Buffer.from(payload.data, 'base64').toString()).not.toContain('4111');
    }
    const decoded = await post(secured, '/codec/decode', stored, { ...admin, 'x-namespace': 'default' });
    expect(decoded.statusCode).toBe(200);
    expect(fromJson(decoded.json())).toEqual(values);
  });

  it('decodes what the service itself encrypted, and passes plain payloads through', async () => {
    const codec = new AesGcmPayloadCodec(KEY);
    const payloads = [await codec.encode([defaultPayloadConverter.toPayload({ a: 1 })]), [defaultPayloadConverter.toPayload({ b: 2 })]].flat();
    const decoded = await post(secured, '/codec/decode', toJson(payloads));
    expect(decoded.statusCode).toBe(200);
    expect(fromJson(decoded.json())).toEqual([{ a: 1 }, { b: 2 }]);
    // URL-safe base64 and absent fields (empty bytes) are Temporal's JSON too.
    const bare = await post(secured, '/codec/decode', { payloads: [{ metadata: { encoding: Buffer.from('binary/null').toString('base64url') } }, {}] });
    expect(bare.statusCode).toBe(200);
    expect(bare.json()).toEqual({ payloads: [{ metadata: { encoding: Buffer.from('binary/null').toString('base64') }, data: '' }, { metadata: {}, data: '' }] });
    // No payloads at all: the protobuf JSON mapping leaves the empty list out (the CLI sends `{}`).
    expect((await post(secured, '/codec/decode', {})).json()).toEqual({ payloads: [] });
  });

  it('names the payload that does not decrypt: an unknown key id, altered data', async () => {
    const [foreign] = await new AesGcmPayloadCodec(OTHER_KEY).encode([defaultPayloadConverter.toPayload('x')]);
    const [ours] = await new AesGcmPayloadCodec(KEY).encode([defaultPayloadConverter.toPayload('y')]);
    const unknown = await post(secured, '/codec/decode', toJson([ours!, foreign!]));
    expectEnvelope(unknown, 400, 'PAYLOAD_DECRYPTION_FAILED');
    expect(unknown.json().error.details).toEqual([{ index: 1, keyId: '2025-01', reason: 'unknown-key' }]);
    const altered = Buffer.from(ours!.data!);
    altered[altered.length - 1] = (altered[altered.length - 1] ?? 0) ^ 0xff;
    const tampered = await post(secured, '/codec/decode', toJson([{ ...ours!, data: altered }]));
    expectEnvelope(tampered, 400, 'PAYLOAD_DECRYPTION_FAILED');
    expect(tampered.json().error.details).toEqual([{ index: 0, keyId: '2026-01', reason: 'not-authentic' }]);
  });
});

describe('who may call', () => {
  it('wants the admin token when tokens are configured: none is 401, an app token 403', async () => {
    const body = toJson([defaultPayloadConverter.toPayload(1)]);
    const none = await post(secured, '/codec/decode', body, {});
    expectEnvelope(none, 401, 'UNAUTHORIZED');
    expect(none.headers['www-authenticate']).toBe('Bearer realm="delay-callback"');
    expectEnvelope(await post(secured, '/codec/decode', body, { authorization: `Bearer ${APP_TOKEN}` }), 403, 'FORBIDDEN');
    expectEnvelope(await post(secured, '/codec/encode', body, { authorization: 'Bearer nobody-has-this' }), 401, 'UNAUTHORIZED');
    expect((await post(secured, '/codec/encode', body)).statusCode).toBe(200);
  });

  it('is open without tokens (development), like the API', async () => {
    const open = await startTestStack({ serviceWorker: false, env: { PAYLOAD_ENCRYPTION_KEYS: KEY } });
    try {
      const encoded = await post(open, '/codec/encode', toJson([defaultPayloadConverter.toPayload('dev')]), {});
      expect(encoded.statusCode).toBe(200);
      expect(fromJson((await post(open, '/codec/decode', encoded.json(), {})).json())).toEqual(['dev']);
    } finally {
      await open.close();
    }
  });

  it('answers the Web UI\'s preflight (no token needed) and its requests with CORS headers for its origin only', async () => {
    const preflight = (origin: string) =>
      fetch(`${secured.baseUrl}/codec/decode`, {
        method: 'OPTIONS',
        headers: { origin, 'access-control-request-method': 'POST', 'access-control-request-headers': 'content-type,x-namespace,authorization' },
      });
    const allowed = await preflight(uiOrigin);
    expect(allowed.status).toBe(204);
    expect(allowed.headers.get('access-control-allow-origin')).toBe(uiOrigin);
    expect(allowed.headers.get('access-control-allow-credentials')).toBe('true');
    expect(allowed.headers.get('access-control-allow-methods')).toBe('POST');
    expect(allowed.headers.get('access-control-allow-headers')?.split(',').map((h) => h.trim()).sort()).toEqual(['authorization', 'content-type', 'x-namespace']);
    // The same Web UI opened as localhost instead of 127.0.0.1.
    const twin = uiOrigin.replace('127.0.0.1', 'localhost');
    expect((await preflight(twin)).headers.get('access-control-allow-origin')).toBe(twin);
    const foreign = await preflight('https://evil.example');
    expect(foreign.headers.get('access-control-allow-origin')).toBeNull();

    const fromUi = await fetch(`${secured.baseUrl}/codec/encode`, {
      method: 'POST',
      headers: { ...admin, origin: uiOrigin, 'content-type': 'application/json', 'x-namespace': 'default' },
      body: JSON.stringify(toJson([defaultPayloadConverter.toPayload(1)])),
    });
    expect(fromUi.status).toBe(200);
    expect(fromUi.headers.get('access-control-allow-origin')).toBe(uiOrigin);
    // Another origin is refused even with the admin token (its page could not read the answer anyway).
    const fromElsewhere = await post(secured, '/codec/encode', toJson([]), { ...admin, origin: 'https://evil.example' });
    expectEnvelope(fromElsewhere, 403, 'FORBIDDEN');
  });

  it('answers only for its namespace (X-Namespace)', async () => {
    const body = toJson([defaultPayloadConverter.toPayload(1)]);
    expect((await post(secured, '/codec/decode', body, { ...admin, 'x-namespace': 'default' })).statusCode).toBe(200);
    // The CLI sends it empty when it was given no --namespace.
    expect((await post(secured, '/codec/decode', body, { ...admin, 'x-namespace': '' })).statusCode).toBe(200);
    const other = await post(secured, '/codec/decode', body, { ...admin, 'x-namespace': 'payments' });
    expectEnvelope(other, 400, 'VALIDATION_FAILED');
    expect(other.json().error.details).toEqual([{ field: 'header.x-namespace', message: expect.stringContaining('"default"') }]);
  });
});

describe('bad input', () => {
  it('refuses what is not Temporal\'s Payloads JSON, with the field named', async () => {
    const cases: Array<[unknown, string]> = [
      [{ payloads: {} }, 'body.payloads'],
      [{ payloads: [{ data: 'not base64!' }] }, 'body.payloads.0.data'],
      [{ payloads: [{ metadata: { encoding: 42 } }] }, 'body.payloads.0.metadata.encoding'],
      [{ payloads: [{ data: '', extra: true }] }, 'body.payloads.0.extra'],
      [{ payloads: [], more: 1 }, 'body.more'],
      [{ payloads: Array.from({ length: 1001 }, () => ({})) }, 'body.payloads'],
    ];
    for (const [body, field] of cases) {
      const response = await post(secured, '/codec/decode', body);
      expectEnvelope(response, 400, 'VALIDATION_FAILED');
      expect(response.json().error.details[0].field, JSON.stringify(body).slice(0, 80)).toBe(field);
    }
    expectEnvelope(await secured.app.inject({ method: 'POST', url: '/codec/decode', payload: 'payloads', headers: { ...admin, 'content-type': 'text/plain' } }), 415, 'UNSUPPORTED_MEDIA_TYPE');
    expectEnvelope(await secured.app.inject({ method: 'POST', url: '/codec/decode', payload: '{"payloads": [', headers: { ...admin, 'content-type': 'application/json' } }), 400, 'MALFORMED_JSON');
    expectEnvelope(await secured.app.inject({ method: 'GET', url: '/codec/decode', headers: admin }), 405, 'METHOD_NOT_ALLOWED');
  });

  it('takes a payload of Temporal\'s 2 MB limit, and refuses a body over 4 MiB', async () => {
    const big = await post(secured, '/codec/encode', { payloads: [{ metadata: {}, data: randomBytes(2 * 1024 * 1024).toString('base64') }] });
    expect(big.statusCode).toBe(200);
    const tooBig = await post(secured, '/codec/encode', { payloads: [{ metadata: {}, data: randomBytes(3_200_000).toString('base64') }] });
    expectEnvelope(tooBig, 413, 'PAYLOAD_TOO_LARGE');
  });

  it('is rate limited like every route', async () => {
    const limited = await startTestStack({ serviceWorker: false, env: { PAYLOAD_ENCRYPTION_KEYS: KEY, RATE_LIMIT_MAX: '2' } });
    try {
      const statuses = [];
      for (let i = 0; i < 3; i++) statuses.push((await post(limited, '/codec/encode', toJson([]), {})).statusCode);
      expect(statuses).toEqual([200, 200, 429]);
    } finally {
      await limited.close();
    }
  });

  it('without keys, encodes nothing and refuses to decode an encrypted payload', async () => {
    const off = await startTestStack({ serviceWorker: false });
    try {
      const plain = toJson([defaultPayloadConverter.toPayload('as is')]);
      expect((await post(off, '/codec/encode', plain, {})).json()).toEqual(plain);
      const encrypted = toJson(await new AesGcmPayloadCodec(KEY).encode([defaultPayloadConverter.toPayload('x')]));
      const refused = await post(off, '/codec/decode', encrypted, {});
      expectEnvelope(refused, 400, 'PAYLOAD_DECRYPTION_FAILED');
      expect(refused.json().error.message).toMatch(/encryption is off/);
    } finally {
      await off.close();
    }
  });
});

describe('the Temporal CLI', () => {
  it('decodes a callback\'s input through the codec server with --codec-auth', async () => {
    const secret = `cli-${randomBytes(6).toString('hex')}`;
    const app = uniqueName('codec-cli');
    const registered = await secured.http('POST', `/v1/apps/${app}/callbacks`, { alias: 'later', args: { secret }, delaySeconds: 86_400 }, admin);
    expect(registered.status).toBe(201);
    const workflowId = callbackWorkflowId(app, registered.body.uid);
    const show = (...extra: string[]) =>
      execFileAsync(inject('temporalBinary'), ['workflow', 'show', '--address', inject('temporalAddress'), '--workflow-id', workflowId, '--output', 'json', ...extra], {
        timeout: 30_000,
      });
    // No service worker here: terminated (not cancelled, which would wake it for the service workers of
    // other test files, which lack these keys); its start event still holds the input.
    await secured.temporal.workflow.getHandle(workflowId).terminate('test over');
    {
      const decoded = await show('--codec-endpoint', `${secured.baseUrl}/codec`, '--codec-auth', `Bearer ${ADMIN}`);
      const input = JSON.parse(decoded.stdout).events[0].workflowExecutionStartedEventAttributes.input.payloads[0];
      expect(JSON.parse(Buffer.from(input.data, 'base64').toString()).args).toEqual({ secret });
      // Without the token the codec server answers 401 (the CLI retries, then gives up): nothing decoded.
      const refused = await show('--codec-endpoint', `${secured.baseUrl}/codec`).then(
        (run) => ({ failed: false, output: run.stdout }),
        (err: { stderr?: string; stdout?: string }) => ({ failed: true, output: `${err.stdout ?? ''}${err.stderr ?? ''}` }),
      );
      expect(refused.failed).toBe(true);
      expect(refused.output).not.toContain(secret);
    }
  });
});
