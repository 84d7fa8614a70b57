/**
 * A registration's `webhook` past its schema: URL and header rules, the secret and target
 * checks, what the workflow input holds (sealed values), and the idempotency fingerprint.
 */
import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { openHeaders } from '../../activities/webhook/header-seal.js';
import { WebhookSecrets } from '../../activities/webhook/secrets.js';
import { TargetPolicy, parseAllowedCidrs } from '../../activities/webhook/target-policy.js';
import { buildRegistration, fingerprintOf } from '../../server/callbacks/registration.js';
import type { WebhookRegistrationPolicy } from '../../server/callbacks/webhook-target.js';
import { ServiceError } from '../../server/errors.js';
import type { RegisterBody } from '../../shared/schemas/callbacks.js';

const limits = { maxArgsBytes: 65_536, maxHorizonSeconds: 10 * 365 * 86_400 };
const NOW = Date.parse('2026-11-27T10:00:00.000Z');
const secrets = WebhookSecrets.parse(`orders=whsec_${randomBytes(32).toString('base64')}`);
const policy: WebhookRegistrationPolicy = { secrets, targetPolicy: new TargetPolicy() };

function register(webhook: RegisterBody['webhook'], app = 'orders', webhooks: WebhookRegistrationPolicy | null = policy) {
  return buildRegistration(app, { alias: 'expire', delaySeconds: 60, webhook }, undefined, limits, NOW, webhooks ?? undefined);
}

function errorOf(fn: () => unknown): ServiceError {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(ServiceError);
    return err as ServiceError;
  }
  throw new Error('accepted');
}

describe('a valid webhook', () => {
  it('goes into the workflow input with its URL normalized and its header values sealed', () => {
    const { input } = register({ url: 'https://Example.COM:443/hooks/a?x=1#frag', headers: { Authorization: 'Bearer t0k3n', 'X-Tenant': 'acme' } });
    expect(input.webhook?.url).toBe('https://example.com/hooks/a?x=1');
    expect(input.webhook?.headers?.names).toEqual(['authorization', 'x-tenant']);
    expect(JSON.stringify(input)).not.toContain('t0k3n');
    expect(openHeaders('orders', input.webhook?.headers?.sealed ?? '', secrets.forApp('orders'))).toEqual([
      ['authorization', 'Bearer t0k3n'],
      ['x-tenant', 'acme'],
    ]);
  });

  it('has no headers field without custom headers', () => {
    expect(register({ url: 'http://example.com/h' }).input.webhook).toEqual({ url: 'http://example.com/h' });
    expect(register({ url: 'http://example.com/h', headers: {} }).input.webhook).toEqual({ url: 'http://example.com/h' });
  });

  it('accepts a URL of 2048 characters, 20 headers and values of 1024 characters', () => {
    const url = `https://example.com/${'a'.repeat(2048 - 'https://example.com/'.length)}`;
    const headers = Object.fromEntries(Array.from({ length: 20 }, (_, i) => [`x-h${i}`, 'v'.repeat(1024)]));
    expect(register({ url, headers }).input.webhook?.headers?.names).toHaveLength(20);
  });

  it('keeps the idempotency fingerprint a function of the body as sent, header values included', () => {
    const body = (token: string): RegisterBody => ({ alias: 'a', delaySeconds: 1, webhook: { url: 'https://example.com/h', headers: { authorization: token } } });
    expect(fingerprintOf(body('one'))).toBe(fingerprintOf(body('one')));
    expect(fingerprintOf(body('one'))).not.toBe(fingerprintOf(body('two')));
    const keyed = { ...body('one'), idempotencyKey: 'k-1' };
    const first = buildRegistration('orders', keyed, undefined, limits, NOW, policy);
    const second = buildRegistration('orders', keyed, undefined, limits, NOW + 5, policy);
    expect(second.input.uid).toBe(first.input.uid);
    // Sealed with a fresh IV each time: the inputs differ, the registration is the same.
    expect(second.input.webhook?.headers?.sealed).not.toBe(first.input.webhook?.headers?.sealed);
  });
});

describe('a bad webhook is VALIDATION_FAILED naming the field', () => {
  it.each([
    ['a relative URL', { url: '/hooks' }, 'body.webhook.url'],
    ['not a URL', { url: 'not a url' }, 'body.webhook.url'],
    ['ftp', { url: 'ftp://example.com/h' }, 'body.webhook.url'],
    ['javascript:', { url: 'javascript:alert(1)' }, 'body.webhook.url'],
    ['file:', { url: 'file:///etc/passwd' }, 'body.webhook.url'],
    ['user info', { url: 'https://user:pass@example.com/h' }, 'body.webhook.url'],
    ['a user name alone', { url: 'https://user@example.com/h' }, 'body.webhook.url'],
    ['a newline in the URL', { url: 'https://exam\nple.com/h' }, 'body.webhook.url'],
    ['a space in the URL', { url: 'https://example.com/a b' }, 'body.webhook.url'],
    ['a URL longer than 2048 once normalized', { url: `https://example.com/${'é'.repeat(400)}` }, 'body.webhook.url'],
    ['a header name with a space', { url: 'https://example.com', headers: { 'x tenant': 'a' } }, 'body.webhook.headers.x tenant'],
    ['a header name with a colon', { url: 'https://example.com', headers: { 'x:y': 'a' } }, 'body.webhook.headers.x:y'],
    ['an empty header name', { url: 'https://example.com', headers: { '': 'a' } }, 'body.webhook.headers'],
    ['host', { url: 'https://example.com', headers: { Host: 'evil.example' } }, 'body.webhook.headers.Host'],
    ['content-length', { url: 'https://example.com', headers: { 'content-length': '0' } }, 'body.webhook.headers.content-length'],
    ['content-type', { url: 'https://example.com', headers: { 'Content-Type': 'text/plain' } }, 'body.webhook.headers.Content-Type'],
    ['transfer-encoding', { url: 'https://example.com', headers: { 'transfer-encoding': 'chunked' } }, 'body.webhook.headers.transfer-encoding'],
    ['connection', { url: 'https://example.com', headers: { connection: 'close' } }, 'body.webhook.headers.connection'],
    ['keep-alive', { url: 'https://example.com', headers: { 'keep-alive': '1' } }, 'body.webhook.headers.keep-alive'],
    ['upgrade', { url: 'https://example.com', headers: { upgrade: 'h2c' } }, 'body.webhook.headers.upgrade'],
    ['te', { url: 'https://example.com', headers: { TE: 'trailers' } }, 'body.webhook.headers.TE'],
    ['trailer', { url: 'https://example.com', headers: { trailer: 'x' } }, 'body.webhook.headers.trailer'],
    ['proxy-authorization', { url: 'https://example.com', headers: { 'proxy-authorization': 'x' } }, 'body.webhook.headers.proxy-authorization'],
    ['webhook-id', { url: 'https://example.com', headers: { 'webhook-id': 'x' } }, 'body.webhook.headers.webhook-id'],
    ['Webhook-Signature', { url: 'https://example.com', headers: { 'Webhook-Signature': 'v1,x' } }, 'body.webhook.headers.Webhook-Signature'],
    ['__proto__', { url: 'https://example.com', headers: JSON.parse('{"__proto__":"x"}') as Record<string, string> }, 'body.webhook.headers.__proto__'],
    ['a duplicate name in another case', { url: 'https://example.com', headers: { 'X-A': '1', 'x-a': '2' } }, 'body.webhook.headers.x-a'],
    ['a CR LF in a value', { url: 'https://example.com', headers: { 'x-a': 'v\r\nInjected: yes' } }, 'body.webhook.headers.x-a'],
    ['a NUL in a value', { url: 'https://example.com', headers: { 'x-a': 'v\u0000' } }, 'body.webhook.headers.x-a'],
    ['an emoji in a value', { url: 'https://example.com', headers: { 'x-a': 'v🙂' } }, 'body.webhook.headers.x-a'],
  ])('%s', (_name, webhook, field) => {
    const err = errorOf(() => register(webhook as RegisterBody['webhook']));
    expect(err.code).toBe('VALIDATION_FAILED');
    expect(err.statusCode).toBe(400);
    expect((err.details?.[0] as { field: string }).field).toBe(field);
  });
});

describe('the secret and the target', () => {
  it('is WEBHOOK_SECRET_MISSING for an app without a signing secret (or without the service knowing any)', () => {
    expect(errorOf(() => register({ url: 'https://example.com/h' }, 'billing')).code).toBe('WEBHOOK_SECRET_MISSING');
    expect(errorOf(() => register({ url: 'https://example.com/h' }, 'orders', null)).code).toBe('WEBHOOK_SECRET_MISSING');
  });

  it.each([
    'http://127.0.0.1:8080/h',
    'http://2130706433/h', // 127.0.0.1 written as a number: the URL parser normalizes it
    'http://0x7f.1/h',
    'http://[::1]/h',
    'http://[::ffff:127.0.0.1]/h',
    'http://169.254.169.254/latest/meta-data',
    'http://10.0.0.1/h',
    'http://0.0.0.0/h',
    'http://[fd00::1]/h',
  ])('is WEBHOOK_TARGET_BLOCKED for the literal IP of %s', (url) => {
    const err = errorOf(() => register({ url }));
    expect(err.code).toBe('WEBHOOK_TARGET_BLOCKED');
    expect(err.statusCode).toBe(400);
    expect(err.details?.[0]).toMatchObject({ field: 'body.webhook.url' });
  });

  it('blocks literal IPs even without a policy, and opens exactly WEBHOOK_ALLOWED_CIDRS', () => {
    expect(errorOf(() => register({ url: 'http://127.0.0.1/h' }, 'orders', null)).code).toBe('WEBHOOK_TARGET_BLOCKED');
    const open = { secrets, targetPolicy: new TargetPolicy(parseAllowedCidrs('127.0.0.1/32')) };
    expect(register({ url: 'http://127.0.0.1:9/h' }, 'orders', open).input.webhook?.url).toBe('http://127.0.0.1:9/h');
    expect(errorOf(() => register({ url: 'http://127.0.0.2/h' }, 'orders', open)).code).toBe('WEBHOOK_TARGET_BLOCKED');
  });

  it('leaves host names to the connect-time check', () => {
    expect(register({ url: 'http://localhost:9/h' }).input.webhook?.url).toBe('http://localhost:9/h');
  });
});
