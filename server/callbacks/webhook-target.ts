/**
 * The `webhook` of a registration, past its JSON schema: the URL's shape, the
 * header names and values, the target policy for a literal IP, an app signing
 * secret to sign with, and the custom header values sealed for the workflow
 * input (activities/webhook/header-seal.ts).
 */
import { sealHeaders, type HeaderPair } from '../../activities/webhook/header-seal.js';
import type { WebhookSecrets } from '../../activities/webhook/secrets.js';
import { TargetPolicy, literalIp } from '../../activities/webhook/target-policy.js';
import type { WebhookTarget } from '../../workflows/webhook-contract.js';
import { ServiceError, validationError } from '../errors.js';
import { WEBHOOK_URL_MAX_CHARS, type WebhookBody } from '../../shared/schemas/callbacks.js';

/** What a webhook registration is checked against. */
export interface WebhookRegistrationPolicy {
  secrets: WebhookSecrets;
  targetPolicy: TargetPolicy;
}

/** RFC 9110 token characters. */
const TOKEN = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;
/** What Node's HTTP client accepts in a header value: no line breaks or other control characters. */
const HEADER_VALUE = /^[\t\x20-\x7E\x80-\xFF]*$/;
/** Spaces and control characters, which the URL parser would silently drop or trim. */
const hasUrlNoise = (raw: string): boolean => /\s/u.test(raw) || [...raw].some((char) => char < ' ' || char === '\u007f');
/** Hop-by-hop headers, and those the service sets itself (the body's framing and type, the host). */
const RESERVED_HEADERS = new Set([
  'connection',
  'keep-alive',
  'proxy-authenticate',
  'proxy-authorization',
  'proxy-connection',
  'te',
  'trailer',
  'transfer-encoding',
  'upgrade',
  'host',
  'content-length',
  'content-type',
  'expect',
]);
const PROTOTYPE_KEYS = new Set(['__proto__', 'constructor', 'prototype']);
const DEFAULT_POLICY = new TargetPolicy();

export function buildWebhookTarget(app: string, body: WebhookBody, policy: WebhookRegistrationPolicy | undefined): WebhookTarget {
  const url = parseUrl(body.url);
  const headers = checkHeaders(body.headers ?? {});
  checkTarget(url, policy?.targetPolicy ?? DEFAULT_POLICY);
  const secrets = policy?.secrets.forApp(app) ?? [];
  if (secrets.length === 0) {
    throw new ServiceError(
      'WEBHOOK_SECRET_MISSING',
      `app "${app}" has no webhook signing secret: the service needs WEBHOOK_SIGNING_SECRETS with ${app}=whsec_... (or *=whsec_...)`,
      [{ field: 'body.webhook' }],
    );
  }
  if (headers.length === 0) return { url: url.href };
  return { url: url.href, headers: { names: headers.map(([name]) => name), sealed: sealHeaders(app, headers, secrets) } };
}

function parseUrl(raw: string): URL {
  const field = 'body.webhook.url';
  if (hasUrlNoise(raw)) throw validationError(field, 'must not contain spaces or control characters');
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw validationError(field, 'must be an absolute http or https URL');
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw validationError(field, 'must use http or https');
  if (url.username !== '' || url.password !== '') {
    throw validationError(field, 'must not contain user info (user:password@); send credentials in headers, which are stored encrypted');
  }
  url.hash = ''; // never sent
  if (url.href.length > WEBHOOK_URL_MAX_CHARS) throw validationError(field, `must be at most ${WEBHOOK_URL_MAX_CHARS} characters once normalized`);
  return url;
}

function checkHeaders(headers: Record<string, string>): HeaderPair[] {
  const pairs: HeaderPair[] = [];
  for (const [name, value] of Object.entries(headers)) {
    const field = name === '' ? 'body.webhook.headers' : `body.webhook.headers.${name.slice(0, 64)}`;
    const lower = name.toLowerCase();
    if (!TOKEN.test(name)) throw validationError(field, 'is not a valid header name (RFC 9110 token characters only)');
    if (PROTOTYPE_KEYS.has(lower)) throw validationError(field, 'is not allowed as a header name');
    if (RESERVED_HEADERS.has(lower) || lower.startsWith('webhook-')) {
      throw validationError(field, 'cannot be set: hop-by-hop, or set by the service itself (host, content-length, content-type, expect, webhook-*)');
    }
    if (pairs.some(([known]) => known === lower)) throw validationError(field, 'is given twice (header names are case-insensitive)');
    if (!HEADER_VALUE.test(value)) throw validationError(field, 'must hold no line breaks, control characters or characters beyond Latin-1');
    pairs.push([lower, value]);
  }
  return pairs;
}

/** A literal IP is judged now; a host name is judged at every attempt, on the address it resolves to. */
function checkTarget(url: URL, policy: TargetPolicy): void {
  const ip = literalIp(url.hostname);
  if (ip === undefined) return;
  const verdict = policy.check(ip);
  if (verdict.allowed) return;
  throw new ServiceError(
    'WEBHOOK_TARGET_BLOCKED',
    `body.webhook.url targets ${ip}, a ${verdict.range} address, which WEBHOOK_ALLOWED_CIDRS does not open`,
    [{ field: 'body.webhook.url', address: ip, range: verdict.range }],
  );
}
