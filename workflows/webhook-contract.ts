/**
 * The webhook delivery's contract: what a registration with `webhook` stores in
 * the workflow input, what the `deliverWebhook` activity takes and answers, the
 * request body receivers get, and the attempt error codes. Types and constants
 * only: imported by the workflow, the activity, the facade and the client SDK.
 */
import type { AttemptRequest } from './contract.js';

/** Activity type of one webhook attempt, run by the service worker (as a local activity when it can). */
export const DELIVER_WEBHOOK_ACTIVITY = 'deliverWebhook';

/** The `type` of every delivery's body. */
export const WEBHOOK_EVENT_TYPE = 'callback.fired';

/**
 * Why a webhook attempt failed (besides `ATTEMPT_TIMEOUT`, shared with the SDK path).
 * - `WEBHOOK_GONE`: the receiver answered 410; final, no further attempts.
 * - `WEBHOOK_HTTP_STATUS`: any other non-2xx answer, 3xx included (redirects are never followed).
 * - `WEBHOOK_UNREACHABLE`: DNS, connection or TLS failure, or a broken HTTP answer.
 * - `WEBHOOK_TARGET_BLOCKED`: the host resolved to an address the target policy blocks; nothing was sent.
 * - `WEBHOOK_SECRET_MISSING`: the app has no signing secret any more, or none that opens its sealed headers.
 */
export const WEBHOOK_ATTEMPT_ERROR_CODES = [
  'WEBHOOK_GONE',
  'WEBHOOK_HTTP_STATUS',
  'WEBHOOK_UNREACHABLE',
  'WEBHOOK_TARGET_BLOCKED',
  'WEBHOOK_SECRET_MISSING',
] as const;
export type WebhookAttemptErrorCode = (typeof WEBHOOK_ATTEMPT_ERROR_CODES)[number];

/** Every code a webhook attempt can fail with. */
export const WEBHOOK_ATTEMPT_FAILURE_CODES = [...WEBHOOK_ATTEMPT_ERROR_CODES, 'ATTEMPT_TIMEOUT'] as const;
export type WebhookAttemptFailureCode = (typeof WEBHOOK_ATTEMPT_FAILURE_CODES)[number];

/**
 * Where a webhook callback is delivered, as the workflow input holds it. The URL is in plain
 * text (it shows in the Web UI's input); custom header values are sealed (AES-256-GCM under a
 * key derived from the app's signing secret, see activities/webhook/header-seal.ts).
 */
export interface WebhookTarget {
  /** Absolute http(s) URL, normalized. */
  url: string;
  /** Custom headers; absent when there are none. */
  headers?: {
    /** Header names in plain text (lower case), for people reading the history. */
    names: string[];
    /** Every value, sealed together: `v1.<keyId>.<iv>.<ciphertext>`. */
    sealed: string;
  };
}

/** Input of one attempt of the `deliverWebhook` activity. */
export interface DeliverWebhookInput extends AttemptRequest {
  webhook: WebhookTarget;
  /**
   * Pre-dispatch: the activity waits until this instant (RFC 3339, the worker's clock) before it
   * sends. Null or past: send at once. A regular (long) attempt that learns of a cancellation while
   * it waits stands down, nothing sent; a local attempt is not cancellable (workflows/webhook-attempt.ts).
   */
  dueAt?: string | null;
}

/** A delivered attempt: the receiver answered 2xx. */
export interface DeliverWebhookResult {
  /** The response body when it is JSON of at most the response limit (64 KiB), otherwise null. */
  result: unknown;
  /** The HTTP status (2xx). */
  status: number;
  /** From just before connecting to the end of the response. */
  durationMs: number;
  /** When the request was started (the worker's clock). */
  startedAt: string;
}

/** The details of a failed attempt's ApplicationFailure (its `type` is the attempt error code). */
export interface WebhookFailureDetails {
  startedAt: string;
  /** The HTTP status when the receiver answered; null when it did not (timeout, unreachable, blocked). */
  status: number | null;
  durationMs: number;
  /** A 429 or 503 with Retry-After: milliseconds from the answer to the earliest next attempt. */
  retryAfterMs: number | null;
  /** The same as an instant (RFC 3339): the next attempt should start no earlier. */
  retryNotBefore: string | null;
  /** No further attempts (410). */
  final: boolean;
}

export interface WebhookActivities {
  deliverWebhook(input: DeliverWebhookInput): Promise<DeliverWebhookResult>;
}

/** What a receiver gets: the JSON body of every delivery. */
export interface WebhookEvent<Args = unknown> {
  type: typeof WEBHOOK_EVENT_TYPE;
  /** When this attempt was sent (RFC 3339 UTC). */
  timestamp: string;
  data: {
    uid: string;
    app: string;
    alias: string;
    args: Args;
    attempt: number;
    triggerAt: string;
    firedAt: string;
  };
}

/**
 * The `webhook-id` of a callback: the same for every attempt (receivers deduplicate on it), and
 * the callback's workflow id, so it can be pasted into the Web UI's search.
 */
export function webhookMessageId(app: string, uid: string): string {
  return `callback:${app}:${uid}`;
}
