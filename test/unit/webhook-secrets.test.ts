/** WEBHOOK_SIGNING_SECRETS parsing, and the sealed custom header values: rotation, removal, tampering. */
import { randomBytes } from 'node:crypto';
import { inspect } from 'node:util';
import { describe, expect, it } from 'vitest';
import { SealedHeadersError, openHeaders, sealHeaders } from '../../activities/webhook/header-seal.js';
import { WebhookSecrets } from '../../activities/webhook/secrets.js';

const secret = (): string => `whsec_${randomBytes(32).toString('base64')}`;

describe('WebhookSecrets.parse', () => {
  it('gives each app its own secrets, current first, and the default to every other app', () => {
    const [a1, a2, b, star] = [secret(), secret(), secret(), secret()];
    const secrets = WebhookSecrets.parse(`orders=${a1}, billing=${b},orders=${a2},*=${star}`);
    expect(secrets.forApp('orders').map((s) => s.value)).toEqual([a1, a2]);
    expect(secrets.forApp('billing').map((s) => s.value)).toEqual([b]);
    expect(secrets.forApp('shipping').map((s) => s.value)).toEqual([star]);
    expect(secrets.describe()).toEqual({ apps: 2, hasDefault: true });
  });

  it('has none for anyone when empty, or for apps without a default', () => {
    expect(WebhookSecrets.parse('').forApp('orders')).toEqual([]);
    expect(WebhookSecrets.parse(`billing=${secret()}`).forApp('orders')).toEqual([]);
  });

  it('keeps base64 padding (an = inside the secret)', () => {
    const padded = `whsec_${randomBytes(31).toString('base64')}`;
    expect(padded.endsWith('=')).toBe(true);
    expect(WebhookSecrets.parse(`orders=${padded}`).forApp('orders')[0]?.value).toBe(padded);
  });

  it.each([
    ['no app', `whsec_${randomBytes(33).toString('base64')}`],
    ['an empty app', `=${secret()}`],
    ['a bad app name', `bad app=${secret()}`],
    ['no whsec_ prefix', `orders=${randomBytes(32).toString('base64')}`],
    ['not base64', 'orders=whsec_not*base64!SENSITIVE-part'],
    ['too short', `orders=whsec_${randomBytes(16).toString('base64')}`],
    ['too long', `orders=whsec_${randomBytes(65).toString('base64')}`],
  ])('refuses %s, naming the entry and never echoing it', (_name, raw) => {
    let message = '';
    try {
      WebhookSecrets.parse(`billing=${secret()},${raw}`);
    } catch (err) {
      message = (err as Error).message;
    }
    expect(message).toContain('entry 2');
    const value = raw.slice(raw.indexOf('=') + 1);
    const sensitive = (value.startsWith('whsec_') ? value.slice(6) : value).slice(0, 20);
    expect(sensitive.length).toBeGreaterThan(10);
    expect(message).not.toContain(sensitive);
    expect(message).not.toContain('SENSITIVE');
  });

  it('prints and serializes as [redacted]', () => {
    const value = secret();
    const secrets = WebhookSecrets.parse(`orders=${value}`);
    expect(JSON.stringify({ secrets })).not.toContain(value.slice(6, 20));
    expect(inspect({ secrets }, { depth: 10 })).not.toContain(value.slice(6, 20));
  });
});

describe('sealed header values', () => {
  const headers = [['authorization', 'Bearer top-secret-token'], ['x-tenant', 'acme']] as const;

  it('round-trip for their app, and hide the values', () => {
    const secrets = WebhookSecrets.parse(`orders=${secret()}`).forApp('orders');
    const sealed = sealHeaders('orders', headers, secrets);
    expect(sealed).toMatch(/^v1\.[\w-]+\.[\w-]+\.[\w-]+$/);
    expect(sealed).not.toContain('top-secret');
    expect(Buffer.from(sealed.split('.')[3] as string, 'base64url').toString('latin1')).not.toContain('top-secret');
    expect(openHeaders('orders', sealed, secrets)).toEqual(headers);
    // A fresh IV each time: the same headers never seal to the same text.
    expect(sealHeaders('orders', headers, secrets)).not.toBe(sealed);
  });

  it('still open after a rotation (old secret second), and not after its removal', () => {
    const [old, next] = [secret(), secret()];
    const sealed = sealHeaders('orders', headers, WebhookSecrets.parse(`orders=${old}`).forApp('orders'));
    expect(openHeaders('orders', sealed, WebhookSecrets.parse(`orders=${next},orders=${old}`).forApp('orders'))).toEqual(headers);
    expect(() => openHeaders('orders', sealed, WebhookSecrets.parse(`orders=${next}`).forApp('orders'))).toThrow(/no longer configured/);
  });

  it('open for their own app only', () => {
    const shared = WebhookSecrets.parse(`*=${secret()}`);
    const sealed = sealHeaders('orders', headers, shared.forApp('orders'));
    expect(() => openHeaders('billing', sealed, shared.forApp('billing'))).toThrow(SealedHeadersError);
  });

  it('refuse altered or malformed text', () => {
    const secrets = WebhookSecrets.parse(`orders=${secret()}`).forApp('orders');
    const parts = sealHeaders('orders', headers, secrets).split('.');
    const body = Buffer.from(parts[3] as string, 'base64url');
    body[0] = (body[0] ?? 0) ^ 1;
    const altered = [...parts.slice(0, 3), body.toString('base64url')].join('.');
    expect(() => openHeaders('orders', altered, secrets)).toThrow(/do not open/);
    expect(() => openHeaders('orders', 'v2.a.b.c', secrets)).toThrow(/malformed/);
    expect(() => openHeaders('orders', 'garbage', secrets)).toThrow(/malformed/);
  });

  it('cannot be made without a secret', () => {
    expect(() => sealHeaders('orders', headers, [])).toThrow(SealedHeadersError);
  });
});
