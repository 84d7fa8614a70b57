/**
 * For receivers of webhook callbacks: checks a delivery's Standard Webhooks
 * signature (with the `standardwebhooks` package the service signs with) and
 * answers its parsed body.
 */
import { Webhook } from 'standardwebhooks';
import type { WebhookEvent } from '../workflows/webhook-contract.js';
import { DelayCallbackError } from './errors.js';

/** Request headers as Node (`IncomingHttpHeaders`), fetch (`Headers`) or a plain object hold them. */
export type WebhookHeaders = Headers | Record<string, string | string[] | undefined>;

/**
 * Verifies a delivery and answers its body. Pass the raw body exactly as received (not
 * re-serialized JSON) and the request headers. Several secrets (during a rotation): the delivery
 * is accepted when it is signed with any of them. A timestamp more than 5 minutes from this
 * machine's clock is refused (replays).
 *
 * @throws DelayCallbackError with code `WEBHOOK_VERIFICATION_FAILED` (status 0).
 */
export function verifyWebhook<Args = unknown>(
  secret: string | readonly string[],
  rawBody: string | Buffer,
  headers: WebhookHeaders,
): WebhookEvent<Args> {
  const wanted = {
    'webhook-id': header(headers, 'webhook-id'),
    'webhook-timestamp': header(headers, 'webhook-timestamp'),
    'webhook-signature': header(headers, 'webhook-signature'),
  };
  const secrets = typeof secret === 'string' ? [secret] : secret;
  let failure: unknown = new Error('no secret given');
  for (const candidate of secrets) {
    try {
      return new Webhook(candidate).verify(rawBody, wanted) as WebhookEvent<Args>;
    } catch (err) {
      failure = err;
    }
  }
  const message = `the webhook delivery is not authentic: ${(failure as Error).message}`;
  throw new DelayCallbackError('WEBHOOK_VERIFICATION_FAILED', message, 0, undefined, { cause: failure });
}

function header(headers: WebhookHeaders, name: string): string {
  if (typeof (headers as Headers).get === 'function') return (headers as Headers).get(name) ?? '';
  const record = headers as Record<string, string | string[] | undefined>;
  const value = record[name] ?? Object.entries(record).find(([key]) => key.toLowerCase() === name)?.[1];
  return Array.isArray(value) ? value.join(' ') : (value ?? '');
}
