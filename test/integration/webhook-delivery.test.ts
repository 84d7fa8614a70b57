/**
 * The deliverWebhook activity against real HTTP receivers on 127.0.0.1 (MockActivityEnvironment,
 * no Temporal): signing that the standardwebhooks package and the SDK accept, the outcomes
 * table, Retry-After, results, the SSRF guard (a blocked target is never contacted) and
 * pre-dispatch stand-down. Loopback is opened by WEBHOOK_ALLOWED_CIDRS in each test that needs it.
 */
import { randomBytes } from 'node:crypto';
import { ApplicationFailure } from '@temporalio/common';
import { MockActivityEnvironment } from '@temporalio/testing';
import { DefaultLogger } from '@temporalio/worker';
import { Webhook } from 'standardwebhooks';
import { afterAll, describe, expect, it } from 'vitest';
import { DelayCallbackError, verifyWebhook } from '../../client-sdk/index.js';
import { createWebhookActivities, type WebhookAttemptReport } from '../../activities/webhook/deliver-webhook.js';
import { sealHeaders } from '../../activities/webhook/header-seal.js';
import { WebhookSecrets } from '../../activities/webhook/secrets.js';
import { TargetPolicy, parseAllowedCidrs } from '../../activities/webhook/target-policy.js';
import { loadConfig } from '../../server/config.js';
import { createServiceMetrics } from '../../server/metrics.js';
import { webhookActivitiesFrom } from '../../server/worker.js';
import type { DeliverWebhookInput, DeliverWebhookResult, WebhookFailureDetails } from '../../workflows/webhook-contract.js';
import { uniqueName } from '../helpers/stack.js';
import { startConnectionRecorder, startReceiver, type Receiver, type ScriptedAnswer } from '../helpers/webhook-receiver.js';

const newSecret = (): string => `whsec_${randomBytes(32).toString('base64')}`;
const [CURRENT, PREVIOUS] = [newSecret(), newSecret()];
const APP = 'orders';
const secrets = WebhookSecrets.parse(`${APP}=${CURRENT},${APP}=${PREVIOUS}`);
const LOOPBACK = parseAllowedCidrs('127.0.0.1/32');
const reports: WebhookAttemptReport[] = [];
const activities = createWebhookActivities({ secrets, policy: new TargetPolicy(LOOPBACK), onAttempt: (r) => reports.push(r) });
const closedActivities = createWebhookActivities({ secrets, policy: new TargetPolicy() });

const cleanups: Array<() => Promise<void>> = [];
afterAll(async () => {
  for (const cleanup of cleanups) await cleanup();
});

async function receiver(answers: ScriptedAnswer[]): Promise<Receiver> {
  const started = await startReceiver(answers);
  cleanups.push(() => started.close());
  return started;
}

function inputFor(url: string, overrides: Partial<DeliverWebhookInput> = {}): DeliverWebhookInput {
  return {
    app: APP,
    uid: uniqueName('uid'),
    alias: 'order-expired',
    args: { order: 42, note: 'ünïcode' },
    attempt: 1,
    triggerAt: new Date(Date.now() - 5).toISOString(),
    firedAt: null,
    attemptTimeoutSeconds: 5,
    webhook: { url },
    ...overrides,
  };
}

type Outcome = { ok: true; value: DeliverWebhookResult } | { ok: false; code: string; message: string; details: WebhookFailureDetails; nonRetryable: boolean };

async function deliver(input: DeliverWebhookInput, env = quietEnvironment(), using = activities): Promise<Outcome> {
  try {
    return { ok: true, value: await env.run(using.deliverWebhook, input) };
  } catch (err) {
    if (!(err instanceof ApplicationFailure)) throw err;
    return { ok: false, code: err.type ?? '', message: err.message, details: err.details?.[0] as WebhookFailureDetails, nonRetryable: err.nonRetryable === true };
  }
}

function quietEnvironment(): MockActivityEnvironment {
  return new MockActivityEnvironment({ isLocal: true }, { logger: new DefaultLogger('ERROR') });
}

function failure(outcome: Outcome): Extract<Outcome, { ok: false }> {
  if (outcome.ok) throw new Error(`expected a failed attempt, got ${JSON.stringify(outcome.value)}`);
  return outcome;
}

describe('a delivery', () => {
  it('is a signed Standard Webhooks POST that the standardwebhooks package and verifyWebhook accept', async () => {
    const target = await receiver([{ status: 200 }]);
    const input = inputFor(target.url('/hooks/a?x=1'));
    input.webhook.headers = { names: ['authorization', 'x-tenant'], sealed: sealHeaders(APP, [['authorization', 'Bearer t0k3n'], ['x-tenant', 'acme']], secrets.forApp(APP)) };
    const before = Math.floor(Date.now() / 1000);
    const outcome = await deliver(input);
    expect(outcome.ok).toBe(true);

    expect(target.requests).toHaveLength(1);
    const [request] = target.requests as [(typeof target.requests)[0]];
    expect(request.method).toBe('POST');
    expect(request.path).toBe('/hooks/a?x=1');
    expect(request.headers['content-type']).toBe('application/json');
    expect(request.headers.authorization).toBe('Bearer t0k3n');
    expect(request.headers['x-tenant']).toBe('acme');
    expect(request.headers['user-agent']).toMatch(/^delay-callback/);
    expect(request.headers['webhook-id']).toBe(`callback:${APP}:${input.uid}`);
    const timestamp = Number(request.headers['webhook-timestamp']);
    expect(timestamp).toBeGreaterThanOrEqual(before);
    // One v1 signature per secret of the app, current first: each alone verifies (rotation).
    const signatures = String(request.headers['webhook-signature']).split(' ');
    expect(signatures).toHaveLength(2);
    for (const signature of signatures) expect(signature).toMatch(/^v1,[A-Za-z0-9+/]+=*$/);
    for (const secret of [CURRENT, PREVIOUS]) {
      const verified = new Webhook(secret).verify(request.rawBody, request.headers as Record<string, string>);
      expect(verified).toEqual(JSON.parse(request.rawBody));
    }
    expect(() => new Webhook(newSecret()).verify(request.rawBody, request.headers as Record<string, string>)).toThrow();

    const event = verifyWebhook<{ order: number }>(CURRENT, Buffer.from(request.rawBody), request.headers);
    expect(event).toEqual({
      type: 'callback.fired',
      timestamp: expect.any(String),
      data: { uid: input.uid, app: APP, alias: 'order-expired', args: { order: 42, note: 'ünïcode' }, attempt: 1, triggerAt: input.triggerAt, firedAt: event.timestamp },
    });
    expect(Math.floor(Date.parse(event.timestamp) / 1000)).toBe(timestamp);
    // The SDK accepts fetch-style Headers and a list of secrets (the receiver's own rotation).
    expect(verifyWebhook([newSecret(), PREVIOUS], request.rawBody, new Headers(request.headers as Record<string, string>)).data.uid).toBe(input.uid);
  });

  it('is refused by verifyWebhook when altered, signed with another secret, or replayed late', async () => {
    const target = await receiver([{ status: 204 }]);
    await deliver(inputFor(target.url()));
    const request = target.requests[0]!;
    const headers = request.headers as Record<string, string>;
    const refused = (fn: () => unknown): string => {
      try {
        fn();
      } catch (err) {
        expect(err).toBeInstanceOf(DelayCallbackError);
        return (err as DelayCallbackError).code;
      }
      return 'accepted';
    };
    expect(refused(() => verifyWebhook(CURRENT, request.rawBody.replace('42', '43'), headers))).toBe('WEBHOOK_VERIFICATION_FAILED');
    expect(refused(() => verifyWebhook(newSecret(), request.rawBody, headers))).toBe('WEBHOOK_VERIFICATION_FAILED');
    const old = String(Number(headers['webhook-timestamp']) - 600);
    expect(refused(() => verifyWebhook(CURRENT, request.rawBody, { ...headers, 'webhook-timestamp': old }))).toBe('WEBHOOK_VERIFICATION_FAILED');
    expect(refused(() => verifyWebhook(CURRENT, request.rawBody, {}))).toBe('WEBHOOK_VERIFICATION_FAILED');
  });

  it('keeps one webhook-id across attempts: 500 then 200 is a failed attempt, then a delivered one', async () => {
    const target = await receiver([{ status: 500, body: 'database down' }, { status: 200, headers: { 'content-type': 'application/json' }, body: '{"ok":true}' }]);
    const first = inputFor(target.url());
    const failed = failure(await deliver(first));
    expect(failed).toMatchObject({ code: 'WEBHOOK_HTTP_STATUS', nonRetryable: true, details: { status: 500, final: false, retryAfterMs: null } });
    expect(failed.message).toContain('500');
    expect(failed.message).toContain('database down');
    const second = await deliver({ ...first, attempt: 2, firedAt: failed.details.startedAt });
    expect(second).toMatchObject({ ok: true, value: { status: 200, result: { ok: true } } });

    expect(target.requests).toHaveLength(2);
    const ids = target.requests.map((r) => r.headers['webhook-id']);
    expect(ids[0]).toBe(ids[1]);
    expect(ids[0]).toContain(first.uid);
    const bodies = target.requests.map((r) => verifyWebhook(CURRENT, r.rawBody, r.headers));
    expect(bodies.map((b) => b.data.attempt)).toEqual([1, 2]);
    expect(bodies[1]?.data.firedAt).toBe(failed.details.startedAt);
  });

  it('fails for good on 410 Gone', async () => {
    const target = await receiver([{ status: 410 }]);
    expect(failure(await deliver(inputFor(target.url())))).toMatchObject({ code: 'WEBHOOK_GONE', nonRetryable: true, details: { status: 410, final: true } });
  });

  it('never follows a redirect: a 302 is a failed attempt and its Location is never contacted', async () => {
    const elsewhere = await receiver([{ status: 200 }]);
    const target = await receiver([{ status: 302, headers: { location: elsewhere.url('/other') } }]);
    const failed = failure(await deliver(inputFor(target.url())));
    expect(failed).toMatchObject({ code: 'WEBHOOK_HTTP_STATUS', details: { status: 302 } });
    expect(failed.message).toMatch(/redirects are never followed/);
    expect(target.requests).toHaveLength(1);
    expect(elsewhere.requests).toHaveLength(0);
  });

  it.each([
    [429, { 'retry-after': '120' }, 120_000],
    [503, { 'retry-after': new Date(Date.now() + 3_600_000).toUTCString() }, 3_600_000],
    [500, { 'retry-after': '120' }, null],
    [429, {}, null],
  ] as const)('answered %i with %j reports a retry-after of %s ms', async (status, headers, expected) => {
    const target = await receiver([{ status, headers }]);
    const failed = failure(await deliver(inputFor(target.url())));
    expect(failed.code).toBe('WEBHOOK_HTTP_STATUS');
    if (expected === null) {
      expect(failed.details.retryAfterMs).toBeNull();
      expect(failed.details.retryNotBefore).toBeNull();
    } else {
      // An HTTP date has second resolution: the answer may land up to a second before it.
      expect(failed.details.retryAfterMs).toBeGreaterThan(expected - 2_000);
      expect(failed.details.retryAfterMs).toBeLessThanOrEqual(expected);
      expect(Date.parse(failed.details.retryNotBefore ?? '')).toBeGreaterThan(Date.now() + expected - 3_000);
    }
  });

  it.each([
    ['JSON', 201, '{"id":7,"tags":["a"]}', { id: 7, tags: ['a'] }],
    ['JSON scalar', 200, '"done"', 'done'],
    ['text', 200, 'OK', null],
    ['empty', 204, '', null],
    ['JSON larger than 64 KiB', 200, JSON.stringify({ pad: 'x'.repeat(70_000) }), null],
    ['JSON nested deeper than 64 levels', 200, `${'['.repeat(100)}1${']'.repeat(100)}`, null],
  ])('keeps a 2xx %s body as the result when it is JSON of at most 64 KiB', async (_name, status, body, result) => {
    const target = await receiver([{ status, body }]);
    expect(await deliver(inputFor(target.url()))).toMatchObject({ ok: true, value: { status, result } });
  });

  it('records the status and the duration, and reports the attempt', async () => {
    const target = await receiver([{ status: 200, delayMs: 150 }]);
    const input = inputFor(target.url());
    const outcome = await deliver(input);
    if (!outcome.ok) throw new Error(outcome.message);
    expect(outcome.value.durationMs).toBeGreaterThanOrEqual(140);
    expect(Date.parse(outcome.value.startedAt)).toBeLessThanOrEqual(target.requests[0]!.at);
    expect(reports.find((r) => r.uid === input.uid)).toMatchObject({ app: APP, attempt: 1, outcome: 'succeeded', status: 200, durationMs: outcome.value.durationMs });
  });
});

describe('failures without an answer', () => {
  it('is ATTEMPT_TIMEOUT when the receiver does not answer in time', async () => {
    const target = await receiver([{ status: 200, delayMs: 5_000 }]);
    const failed = failure(await deliver(inputFor(target.url(), { attemptTimeoutSeconds: 1 })));
    expect(failed).toMatchObject({ code: 'ATTEMPT_TIMEOUT', details: { status: null } });
    expect(failed.details.durationMs).toBeGreaterThanOrEqual(900);
  });

  it('is WEBHOOK_UNREACHABLE for a refused connection and for a TLS failure', async () => {
    const gone = await startReceiver([{ status: 200 }]);
    await gone.close();
    expect(failure(await deliver(inputFor(gone.url())))).toMatchObject({ code: 'WEBHOOK_UNREACHABLE', details: { status: null } });
    // https to a plain-HTTP server: the TLS handshake fails.
    const plain = await receiver([{ status: 200 }]);
    const tls = failure(await deliver(inputFor(`https://127.0.0.1:${plain.port}/hook`)));
    expect(tls.code).toBe('WEBHOOK_UNREACHABLE');
  });

  it('is WEBHOOK_SECRET_MISSING, sending nothing, for an app without a secret or headers sealed under a removed one', async () => {
    const target = await receiver([{ status: 200 }]);
    expect(failure(await deliver(inputFor(target.url(), { app: 'no-secret-app' })))).toMatchObject({ code: 'WEBHOOK_SECRET_MISSING', details: { final: false } });
    const removed = WebhookSecrets.parse(`${APP}=${newSecret()}`).forApp(APP);
    const input = inputFor(target.url());
    input.webhook.headers = { names: ['authorization'], sealed: sealHeaders(APP, [['authorization', 'x']], removed) };
    const failed = failure(await deliver(input));
    expect(failed.code).toBe('WEBHOOK_SECRET_MISSING');
    expect(failed.message).toMatch(/no longer configured/);
    expect(target.requests).toHaveLength(0);
  });
});

describe('the target guard (SSRF)', () => {
  it('never contacts a target outside WEBHOOK_ALLOWED_CIDRS, by IP, by name or IPv4-mapped IPv6', async () => {
    const socket = await startConnectionRecorder();
    cleanups.push(() => socket.close());
    for (const host of ['127.0.0.1', 'localhost', '[::ffff:127.0.0.1]']) {
      const failed = failure(await deliver(inputFor(`http://${host}:${socket.port}/hook`), quietEnvironment(), closedActivities));
      expect(failed, host).toMatchObject({ code: 'WEBHOOK_TARGET_BLOCKED', nonRetryable: true, details: { status: null, final: false } });
      expect(failed.message).toMatch(/loopback/);
    }
    expect(socket.connections).toBe(0);

    // The control: the same socket, opened by the allowed ranges, is contacted (it never answers).
    await deliver(inputFor(`http://127.0.0.1:${socket.port}/hook`, { attemptTimeoutSeconds: 1 }));
    expect(socket.connections).toBe(1);
  });

  it('blocks the IPv6 loopback when only 127.0.0.1/32 is opened', async () => {
    const socket = await startConnectionRecorder();
    cleanups.push(() => socket.close());
    // ::1 is loopback; only 127.0.0.1 is opened here.
    const failed = failure(await deliver(inputFor(`http://[::1]:${socket.port}/hook`)));
    expect(failed.code).toBe('WEBHOOK_TARGET_BLOCKED');
    expect(socket.connections).toBe(0);
  });
});

describe('pre-dispatch (dueAt)', () => {
  it('sends no earlier than dueAt', async () => {
    const target = await receiver([{ status: 200 }]);
    const dueAt = Date.now() + 400;
    expect((await deliver(inputFor(target.url(), { dueAt: new Date(dueAt).toISOString() }))).ok).toBe(true);
    expect(target.requests[0]!.at).toBeGreaterThanOrEqual(dueAt);
  });

  it('stands down when cancelled before dueAt: nothing is sent', async () => {
    const target = await receiver([{ status: 200 }]);
    const env = quietEnvironment();
    const running = env.run(activities.deliverWebhook, inputFor(target.url(), { dueAt: new Date(Date.now() + 2_000).toISOString() }));
    setTimeout(() => env.cancel('CANCELLED'), 100);
    await expect(running).rejects.toMatchObject({ name: 'CancelledFailure' });
    await new Promise((resolve) => setTimeout(resolve, 2_200));
    expect(target.requests).toHaveLength(0);
  });
});

describe('the service worker wiring', () => {
  it('builds deliverWebhook from configuration (secrets, allowed ranges, user agent) and counts attempts by status class', async () => {
    const target = await receiver([{ status: 503 }, { status: 200 }]);
    const config = loadConfig({ WEBHOOK_SIGNING_SECRETS: `*=${CURRENT}`, WEBHOOK_ALLOWED_CIDRS: '127.0.0.1/32' });
    const metrics = createServiceMetrics({ defaultMetrics: false });
    const configured = webhookActivitiesFrom(config, metrics);
    expect(failure(await deliver(inputFor(target.url(), { app: 'any-app' }), quietEnvironment(), configured)).details.status).toBe(503);
    expect((await deliver(inputFor(target.url(), { app: 'any-app' }), quietEnvironment(), configured)).ok).toBe(true);
    expect(target.requests[0]?.headers['user-agent']).toMatch(/^delay-callback\/\d+\.\d+\.\d+/);
    expect(verifyWebhook(CURRENT, target.requests[1]!.rawBody, target.requests[1]!.headers).data.app).toBe('any-app');
    const text = await metrics.registry.metrics();
    expect(text).toMatch(/delay_callback_webhook_requests_total\{app="any-app",status_class="5xx",outcome="WEBHOOK_HTTP_STATUS"\} 1/);
    expect(text).toMatch(/delay_callback_webhook_requests_total\{app="any-app",status_class="2xx",outcome="succeeded"\} 1/);
    expect(text).toMatch(/delay_callback_webhook_request_duration_seconds_count\{app="any-app",status_class="2xx"\} 1/);
  });
});
