/**
 * The `deliverWebhook` activity: one attempt of a webhook callback, run by the
 * service worker (a local activity when the attempt timeout allows, see
 * workflows/webhook-attempt.ts). It signs the Standard Webhooks request with
 * every secret of the app, opens the sealed custom headers just before
 * sending, POSTs through the guarded agents and classifies the answer.
 *
 * Every business outcome other than 2xx is a non-retryable ApplicationFailure
 * whose type is the attempt error code and whose details are
 * WebhookFailureDetails: the workflow counts it against the retry strategy.
 * Only a crash of this worker repeats an attempt (Temporal re-runs it).
 */
import { ApplicationFailure, CancelledFailure, Context } from '@temporalio/activity';
import {
  WEBHOOK_EVENT_TYPE,
  webhookMessageId,
  type DeliverWebhookInput,
  type DeliverWebhookResult,
  type WebhookActivities,
  type WebhookAttemptFailureCode,
  type WebhookEvent,
  type WebhookFailureDetails,
} from '../../workflows/webhook-contract.js';
import { createGuardedAgents, type GuardedAgents } from './guarded-agent.js';
import { SealedHeadersError, openHeaders } from './header-seal.js';
import { postJson } from './http-post.js';
import { classifyAnswer, classifyError, type AttemptVerdict } from './outcome.js';
import type { WebhookSecrets } from './secrets.js';
import type { TargetPolicy } from './target-policy.js';

/** What the activity reports about each request it made (metrics). */
export interface WebhookAttemptReport {
  app: string;
  alias: string;
  uid: string;
  attempt: number;
  outcome: 'succeeded' | WebhookAttemptFailureCode;
  /** The HTTP status, or null without an answer. */
  status: number | null;
  durationMs: number;
}

export interface WebhookActivityOptions {
  secrets: WebhookSecrets;
  policy: TargetPolicy;
  /** Connection pools of this process. @default agents made from `policy` */
  agents?: GuardedAgents;
  /** The most of an answer read; a larger 2xx body is not the result (null). @default 65536 */
  maxResponseBytes?: number;
  /** @default 'delay-callback' */
  userAgent?: string;
  /** How often a (non-local) attempt reports itself alive. @default 3000 */
  heartbeatIntervalMs?: number;
  /** Called after every attempt that reached the sending step. */
  onAttempt?: (report: WebhookAttemptReport) => void;
}

export const DEFAULT_MAX_RESPONSE_BYTES = 64 * 1024;

export function createWebhookActivities(options: WebhookActivityOptions): WebhookActivities {
  const agents = options.agents ?? createGuardedAgents({ policy: options.policy });
  const maxResponseBytes = options.maxResponseBytes ?? DEFAULT_MAX_RESPONSE_BYTES;
  const userAgent = options.userAgent ?? 'delay-callback';
  const heartbeatIntervalMs = options.heartbeatIntervalMs ?? 3_000;

  async function deliverWebhook(input: DeliverWebhookInput): Promise<DeliverWebhookResult> {
    const context = Context.current();
    // Heartbeats keep a regular activity alive while it waits or sends, and bring it a cancellation
    // (Temporal sends them at most every 0.8 x heartbeat timeout). A local one has none.
    const beat = (): void => {
      if (!context.info.isLocal) context.heartbeat();
    };
    beat();
    const heartbeat = setInterval(beat, heartbeatIntervalMs);
    try {
      await waitUntilDue(input.dueAt, context.cancellationSignal);
      return await attempt(input);
    } finally {
      clearInterval(heartbeat);
    }
  }

  async function attempt(input: DeliverWebhookInput): Promise<DeliverWebhookResult> {
    const started = Date.now();
    const startedAt = new Date(started).toISOString();
    const finish = (verdict: AttemptVerdict): DeliverWebhookResult => {
      const durationMs = Date.now() - started;
      options.onAttempt?.({
        app: input.app,
        alias: input.alias,
        uid: input.uid,
        attempt: input.attempt,
        outcome: verdict.ok ? 'succeeded' : verdict.code,
        status: verdict.status,
        durationMs,
      });
      if (verdict.ok) return { result: verdict.result, status: verdict.status, durationMs, startedAt };
      const retryNotBefore = verdict.retryAfterMs === null ? null : new Date(Date.now() + verdict.retryAfterMs).toISOString();
      const details: WebhookFailureDetails = {
        startedAt,
        status: verdict.status,
        durationMs,
        retryAfterMs: verdict.retryAfterMs,
        retryNotBefore,
        final: verdict.final,
      };
      throw ApplicationFailure.create({ type: verdict.code, message: verdict.message, nonRetryable: true, details: [details] });
    };
    const missingSecret = (message: string): DeliverWebhookResult =>
      finish({ ok: false, code: 'WEBHOOK_SECRET_MISSING', message, status: null, retryAfterMs: null, final: false });

    const secrets = options.secrets.forApp(input.app);
    if (secrets.length === 0) {
      return missingSecret(`no signing secret is configured for app "${input.app}" (WEBHOOK_SIGNING_SECRETS)`);
    }
    let customHeaders: ReadonlyArray<readonly [string, string]> = [];
    try {
      if (input.webhook.headers) customHeaders = openHeaders(input.app, input.webhook.headers.sealed, secrets);
    } catch (err) {
      if (err instanceof SealedHeadersError) return missingSecret(err.message);
      throw err;
    }

    const body = JSON.stringify(eventOf(input, startedAt));
    const messageId = webhookMessageId(input.app, input.uid);
    const timestamp = new Date(Math.floor(started / 1000) * 1000);
    const headers: Record<string, string> = Object.create(null) as Record<string, string>;
    headers['user-agent'] = userAgent;
    for (const [name, value] of customHeaders) headers[name] = value;
    headers['content-type'] = 'application/json';
    headers['webhook-id'] = messageId;
    headers['webhook-timestamp'] = String(timestamp.getTime() / 1000);
    headers['webhook-signature'] = secrets.map((secret) => secret.signer.sign(messageId, timestamp, body)).join(' ');

    const url = new URL(input.webhook.url);
    let verdict: AttemptVerdict;
    try {
      const answer = await postJson({ url, headers, body, agents, timeoutMs: input.attemptTimeoutSeconds * 1000, maxResponseBytes });
      verdict = classifyAnswer(answer, Date.now());
    } catch (err) {
      verdict = classifyError(err, url.host, input.attemptTimeoutSeconds);
    }
    return finish(verdict);
  }

  return { deliverWebhook };
}

/** The body every receiver gets. */
function eventOf(input: DeliverWebhookInput, startedAt: string): WebhookEvent {
  return {
    type: WEBHOOK_EVENT_TYPE,
    timestamp: startedAt,
    data: {
      uid: input.uid,
      app: input.app,
      alias: input.alias,
      args: input.args,
      attempt: input.attempt,
      triggerAt: input.triggerAt,
      firedAt: input.firedAt ?? startedAt,
    },
  };
}

/** Pre-dispatch: waits for `dueAt` on this worker's clock; a cancellation meanwhile stands down (nothing sent). */
async function waitUntilDue(dueAt: string | null | undefined, cancelled: AbortSignal): Promise<void> {
  const due = dueAt ? Date.parse(dueAt) : Number.NaN;
  // A timer may fire a millisecond early by the wall clock: never send before the due millisecond.
  while (Date.now() < due) {
    await new Promise<void>((resolve, reject) => {
      const onCancel = (): void => {
        clearTimeout(timer);
        reject(new CancelledFailure('cancelled before the webhook was sent; nothing was sent'));
      };
      const timer = setTimeout(() => {
        cancelled.removeEventListener('abort', onCancel);
        resolve();
      }, due - Date.now());
      if (cancelled.aborted) onCancel();
      else cancelled.addEventListener('abort', onCancel, { once: true });
    });
  }
}
