/**
 * One webhook attempt, as the workflow runs it: the `deliverWebhook` activity on
 * the service worker, answered as a plain outcome (never a throw) so the caller
 * only decides what comes next. Workflow code: deterministic, types only from
 * the activity side.
 *
 * Shape: a LOCAL activity when the attempt timeout is at most
 * {@link LOCAL_ATTEMPT_MAX_SECONDS}. Its result is recorded in the workflow task
 * that ran it, so a callback that fires, delivers and completes costs one
 * workflow task (about 3 history writes instead of 7). Consequences:
 * - A local activity that outlives 80% of the workflow task timeout (10 s)
 *   makes the SDK heartbeat the task (one more task per 8 s): fine for a slow
 *   answer now and then, so longer attempt timeouts use a regular activity on
 *   the service task queue instead, with heartbeats.
 * - If the worker dies mid-attempt nothing was recorded: the workflow task times
 *   out and another worker runs the same attempt again (same `attempt` number,
 *   same `webhook-id`): at-least-once, like the SDK path. The same happens when
 *   a signal arrives while the attempt runs and the task would also complete the
 *   workflow: Temporal refuses that task (UNHANDLED_COMMAND) and it is retried.
 * - While it runs, the workflow task is held: signals and updates are handled
 *   after it. So a local attempt is not cancellable (see {@link runWebhookAttempt}).
 * Temporal never retries a business failure (each is a non-retryable
 * ApplicationFailure); an unexpected error is not retried either, it is a failed
 * attempt the callback's strategy retries, with its message in `lastError`.
 */
import {
  ActivityCancellationType,
  ActivityFailure,
  ApplicationFailure,
  CancellationScope,
  TemporalFailure,
  TimeoutFailure,
  isCancellation,
  proxyActivities,
  proxyLocalActivities,
} from '@temporalio/workflow';
import {
  WEBHOOK_ATTEMPT_FAILURE_CODES,
  type DeliverWebhookInput,
  type WebhookActivities,
  type WebhookAttemptFailureCode,
  type WebhookFailureDetails,
} from './webhook-contract.js';
import type { RetryStrategy } from './contract.js';

/** Attempt timeouts up to this run as a local activity; longer ones as a regular activity. */
export const LOCAL_ATTEMPT_MAX_SECONDS = 60;
/** The activity enforces the attempt timeout itself; Temporal's timeout is a backstop after this. */
export const WEBHOOK_TIMEOUT_GRACE_SECONDS = 5;
/** A regular (long) attempt heartbeats every 3 s; a dead worker is noticed after this. */
export const WEBHOOK_HEARTBEAT_TIMEOUT_SECONDS = 10;

export type WebhookAttemptOutcome =
  | {
      outcome: 'succeeded';
      /** The response body when JSON of at most 64 KiB, else null. */
      result: unknown;
      status: number;
      durationMs: number;
      startedAt: string;
    }
  | {
      outcome: 'failed';
      error: { code: WebhookAttemptFailureCode; message: string };
      /** The HTTP status, null without an answer. */
      status: number | null;
      durationMs: number;
      startedAt: string;
      /** From a 429/503 Retry-After: the next attempt starts no earlier (see {@link nextWebhookAttemptAt}). */
      retryNotBefore: string | null;
      /** No further attempts (410 Gone): the callback fails now. */
      final: boolean;
    }
  /** Cancelled while waiting for `dueAt`: nothing was sent, the attempt did not happen. */
  | { outcome: 'stood-down' };

/** The proxies are made per call: their timeouts follow the callback's attempt timeout. */
function deliverFor(attemptTimeoutSeconds: number): { deliver: WebhookActivities['deliverWebhook']; local: boolean } {
  const startToCloseTimeout = `${attemptTimeoutSeconds + WEBHOOK_TIMEOUT_GRACE_SECONDS}s`;
  const nonRetryableErrorTypes = [...WEBHOOK_ATTEMPT_FAILURE_CODES];
  if (attemptTimeoutSeconds <= LOCAL_ATTEMPT_MAX_SECONDS) {
    const { deliverWebhook } = proxyLocalActivities<WebhookActivities>({
      startToCloseTimeout,
      // One run: an unexpected failure is a failed attempt for the callback's strategy, not a
      // silent second request. A crashed worker still re-runs it (the task is retried).
      retry: { maximumAttempts: 1, nonRetryableErrorTypes },
    });
    return { deliver: deliverWebhook, local: true };
  }
  const { deliverWebhook } = proxyActivities<WebhookActivities>({
    // The service worker's own queue (the workflow's default).
    startToCloseTimeout,
    heartbeatTimeout: `${WEBHOOK_HEARTBEAT_TIMEOUT_SECONDS}s`,
    // Unlimited for a worker that died (heartbeat timeout): the same attempt runs on another one.
    retry: {
      initialInterval: '1s',
      backoffCoefficient: 2,
      maximumInterval: '30s',
      nonRetryableErrorTypes: [...nonRetryableErrorTypes, 'TemporalTimeout:StartToClose'],
    },
    // The activity stands down only before it sends (it learns of a cancellation from a heartbeat
    // answer); once sending, it finishes and reports. The workflow waits for that answer rather
    // than guessing whether the receiver got the request.
    cancellationType: ActivityCancellationType.WAIT_CANCELLATION_COMPLETED,
  });
  return { deliver: deliverWebhook, local: false };
}

/**
 * Runs one attempt and says how it went. Throws only what is not about the attempt (a workflow bug).
 *
 * Cancellation (the caller's scope cancelled, e.g. by the `cancel` signal): a long (regular) attempt
 * waiting for `dueAt` stands down and answers `stood-down`, nothing sent. A local attempt is not
 * cancellable: while it runs, the workflow task is held, so a signal or update is only handled
 * after it anyway; it answers its real outcome and the caller sees the cancellation afterwards
 * (`CancellationScope.current().consideredCancelled`).
 */
export async function runWebhookAttempt(input: DeliverWebhookInput): Promise<WebhookAttemptOutcome> {
  const scheduledAt = new Date(Date.now()).toISOString();
  const { deliver, local } = deliverFor(input.attemptTimeoutSeconds);
  try {
    const done = local ? await CancellationScope.nonCancellable(() => deliver(input)) : await deliver(input);
    return { outcome: 'succeeded', ...done };
  } catch (err) {
    if (isCancellation(err)) return { outcome: 'stood-down' };
    // A regular activity's failure comes wrapped in an ActivityFailure, a local one's may not.
    const cause = err instanceof ActivityFailure ? err.cause : err;
    if (cause instanceof ApplicationFailure && isFailureCode(cause.type)) {
      const details = cause.details?.[0] as WebhookFailureDetails | undefined;
      return {
        outcome: 'failed',
        error: { code: cause.type, message: cause.message },
        status: details?.status ?? null,
        durationMs: details?.durationMs ?? 0,
        startedAt: details?.startedAt ?? scheduledAt,
        retryNotBefore: details?.retryNotBefore ?? null,
        final: details?.final ?? false,
      };
    }
    if (!(err instanceof ActivityFailure) && !(cause instanceof TemporalFailure)) throw err;
    const timedOut = cause instanceof TimeoutFailure;
    return {
      outcome: 'failed',
      error: timedOut
        ? { code: 'ATTEMPT_TIMEOUT', message: `the attempt did not finish within ${input.attemptTimeoutSeconds} s` }
        : { code: 'WEBHOOK_UNREACHABLE', message: `the delivery failed unexpectedly: ${cause instanceof Error ? cause.message : String(cause)}` },
      status: null,
      durationMs: Math.max(0, Date.now() - Date.parse(scheduledAt)),
      startedAt: scheduledAt,
      retryNotBefore: null,
      final: false,
    };
  }
}

/**
 * When the next attempt may start after a failed one: the strategy's time (`strategyAt`, epoch
 * ms), pushed back to the receiver's Retry-After, but never beyond the strategy's cap
 * (`maxIntervalSeconds` from `now`).
 */
export function nextWebhookAttemptAt(strategyAt: number, retryNotBefore: string | null, now: number, retry: RetryStrategy): number {
  const asked = retryNotBefore === null ? Number.NaN : Date.parse(retryNotBefore);
  if (!Number.isFinite(asked) || asked <= strategyAt) return strategyAt;
  return Math.min(asked, now + retry.maxIntervalSeconds * 1000);
}

function isFailureCode(type: string | null | undefined): type is WebhookAttemptFailureCode {
  return (WEBHOOK_ATTEMPT_FAILURE_CODES as readonly string[]).includes(type ?? '');
}
