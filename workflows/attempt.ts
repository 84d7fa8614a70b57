/**
 * One attempt of a version-2 callback: the callback activity, dispatched to the
 * app's task queue up to `dispatchLeadMs` before its due time, run in a
 * cancellable scope so the workflow can ask an armed attempt to stand down, and
 * its outcome classified. The activity contract is docs/activity-contract.md.
 *
 * A stand-down is a cancellation of the attempt's scope (WAIT_CANCELLATION_COMPLETED):
 * Temporal cancels a queued attempt at once; an armed one learns of it at its
 * pre-start check and ends cancelled; one whose handler started runs on and its
 * worker sends `attempt-started`, so the workflow can answer at once.
 */
import {
  ActivityCancellationType,
  ActivityFailure,
  ApplicationFailure,
  CancellationScope,
  TimeoutFailure,
  isCancellation,
  proxyActivities,
} from '@temporalio/workflow';
import {
  ATTEMPT_HEARTBEAT_TIMEOUT_SECONDS,
  ATTEMPT_TIMEOUT_GRACE_SECONDS,
  MAX_DISPATCH_LEAD_MS,
  STOOD_DOWN,
  WORKER_FAILURE_CODES,
  appTaskQueue,
  type AttemptError,
  type AttemptFailureDetails,
  type AttemptHeartbeatDetails,
  type CallbackActivities,
  type DelayCallbackInput,
  type WorkerFailureCode,
} from './contract.js';
import type { WebhookAttemptOutcome } from './webhook-attempt.js';

/** How attempts are dispatched, from the registration's input. */
export interface AttemptSettings {
  leadMs: number;
  workerLossRedeliveries: number;
  attemptTimeoutSeconds: number;
}

export const DEFAULT_WORKER_LOSS_REDELIVERIES = 3;

export function attemptSettings(input: DelayCallbackInput): AttemptSettings {
  // A webhook is delivered by the service worker itself, at the due time: nothing to dispatch ahead.
  const lead = input.webhook ? 0 : (input.dispatchLeadMs ?? 0);
  const redeliveries = input.workerLossRedeliveries ?? DEFAULT_WORKER_LOSS_REDELIVERIES;
  return {
    leadMs: Number.isFinite(lead) ? Math.min(Math.max(0, lead), MAX_DISPATCH_LEAD_MS) : 0,
    workerLossRedeliveries: Number.isInteger(redeliveries) && redeliveries >= 0 ? redeliveries : DEFAULT_WORKER_LOSS_REDELIVERIES,
    attemptTimeoutSeconds: input.attemptTimeoutSeconds,
  };
}

/** The callback activity on the app's task queue, with the version-2 options. */
export function attemptActivity(app: string, settings: AttemptSettings): CallbackActivities['invokeCallback'] {
  const { invokeCallback } = proxyActivities<CallbackActivities>({
    taskQueue: appTaskQueue(app),
    // The armed wait counts against start-to-close too; the worker enforces the attempt timeout itself.
    startToCloseTimeout: settings.leadMs + (settings.attemptTimeoutSeconds + ATTEMPT_TIMEOUT_GRACE_SECONDS) * 1000,
    heartbeatTimeout: `${ATTEMPT_HEARTBEAT_TIMEOUT_SECONDS}s`,
    // No schedule-to-start limit: with every worker of the app down, the attempt waits in the queue.
    cancellationType: ActivityCancellationType.WAIT_CANCELLATION_COMPLETED,
    retry: {
      initialInterval: '1s',
      backoffCoefficient: 2,
      maximumInterval: '30s',
      // Temporal's own retries only redeliver an attempt whose worker was lost; bounded, then WORKER_LOST.
      maximumAttempts: 1 + settings.workerLossRedeliveries,
      nonRetryableErrorTypes: [...WORKER_FAILURE_CODES, STOOD_DOWN, 'TemporalTimeout:StartToClose'],
    },
  });
  return invokeCallback;
}

/** What one dispatch of an attempt came to. */
export type DispatchOutcome =
  /** The attempt was made: the handler ran (result or business failure), or its deliveries were spent (WORKER_LOST). */
  | { kind: 'made'; startedAt: string; result?: unknown; error: AttemptError | null; webhook?: WebhookAttemptFacts }
  /** The handler never started: the attempt is not made and can be dispatched again. */
  | { kind: 'stood-down' }
  /** A stand-down was asked, then the worker was lost after its pre-start check: the handler may have run; deliver it again. */
  | { kind: 'cut' };

/** What a webhook attempt adds to its outcome. */
export interface WebhookAttemptFacts {
  /** The receiver's HTTP status, null without an answer. */
  httpStatus: number | null;
  durationMs: number;
  /** From a 429/503 Retry-After: the next attempt starts no earlier (RFC 3339). */
  retryNotBefore: string | null;
  /** 410 Gone: the callback fails now, whatever attempts are left. */
  final: boolean;
}

/** What the workflow asked of an attempt in flight. */
export interface StandDownIntent {
  /** Through the API (answered 409 if the handler had started). */
  cancel?: boolean;
  /** Through the operator's `cancel` signal (stops retries if the handler had started). */
  cancelBySignal?: boolean;
  /** The latest reschedule asked while in flight, epoch ms. */
  rescheduleTo?: number;
}

/** One attempt in flight: its scope, what was asked of it, and what is known about its handler. */
export class AttemptDispatch {
  readonly scope = new CancellationScope();
  readonly intent: StandDownIntent = {};
  /** The worker said its handler has started (attempt-started signal), or the outcome shows it. */
  handlerStarted = false;
  /** The outcome is known and applied. */
  settled = false;
  stoodDown = false;
  private standDownRequested = false;
  private readonly dispatchedAt = Date.now();

  constructor(
    readonly attempt: number,
    readonly dueAt: number,
  ) {}

  /** Asks the attempt to stand down (once): a cancellation of its scope. */
  requestStandDown(): void {
    if (this.standDownRequested) return;
    this.standDownRequested = true;
    this.scope.cancel();
  }

  /** Runs the activity in this attempt's scope and classifies how it ended. */
  async run(invoke: () => Promise<{ result: unknown; startedAt: string }>): Promise<DispatchOutcome> {
    try {
      const done = await this.scope.run(invoke);
      this.handlerStarted = true;
      return { kind: 'made', startedAt: done.startedAt, result: done.result, error: null };
    } catch (err) {
      const outcome = this.classify(err);
      if (outcome.kind === 'made') this.handlerStarted = true;
      return outcome;
    }
  }

  /**
   * Runs a webhook attempt (workflows/webhook-attempt.ts) in this attempt's scope. The service worker
   * sends it at the due time, as a local activity that cannot be stood down, so from its dispatch on it
   * counts as started: cancel and reschedule answer CALLBACK_RUNNING, the cancel signal stops retries.
   */
  async runWebhook(deliver: () => Promise<WebhookAttemptOutcome>): Promise<DispatchOutcome> {
    this.handlerStarted = true;
    const done = await this.scope.run(deliver);
    switch (done.outcome) {
      case 'stood-down':
        // Only a long (regular-activity) attempt, cancelled with the workflow before it sent anything.
        return { kind: 'stood-down' };
      case 'succeeded':
        return {
          kind: 'made',
          startedAt: done.startedAt,
          result: done.result,
          error: null,
          webhook: { httpStatus: done.status, durationMs: done.durationMs, retryNotBefore: null, final: false },
        };
      case 'failed':
        return {
          kind: 'made',
          startedAt: done.startedAt,
          error: done.error,
          webhook: { httpStatus: done.status, durationMs: done.durationMs, retryNotBefore: done.retryNotBefore, final: done.final },
        };
    }
  }

  private classify(err: unknown): DispatchOutcome {
    return classifyAttemptError(err, { standDownRequested: this.standDownRequested, assumedStart: this.assumedStart() });
  }

  /** When a handler would have started, for an outcome that does not say. */
  private assumedStart(): string {
    return new Date(Math.max(this.dueAt, this.dispatchedAt)).toISOString();
  }
}

/**
 * What an attempt that did not complete came to. `standDownRequested`: the workflow had asked it to
 * stand down; `assumedStart`: the start to record when the failure does not say (RFC 3339).
 */
export function classifyAttemptError(err: unknown, options: { standDownRequested: boolean; assumedStart: string }): DispatchOutcome {
  // Cancelled: Temporal cancelled the queued attempt, or the worker acknowledged the stand-down.
  if (isCancellation(err)) return { kind: 'stood-down' };
  if (!(err instanceof ActivityFailure)) throw err;
  const cause = err.cause;
  if (cause instanceof ApplicationFailure && cause.type === STOOD_DOWN) return { kind: 'stood-down' };
  if (cause instanceof ApplicationFailure && isWorkerFailureCode(cause.type)) {
    const details = cause.details?.[0] as AttemptFailureDetails | undefined;
    return { kind: 'made', startedAt: details?.startedAt ?? options.assumedStart, error: { code: cause.type, message: cause.message } };
  }
  if (cause instanceof TimeoutFailure && cause.timeoutType === 'START_TO_CLOSE') {
    // The backstop: the worker did not settle the attempt within its timeout plus the grace.
    return {
      kind: 'made',
      startedAt: options.assumedStart,
      error: { code: 'ATTEMPT_TIMEOUT', message: 'the attempt did not finish within its attempt timeout' },
    };
  }
  // The worker was lost (heartbeat timeout, shut down mid-attempt, anything not a business failure).
  if (options.standDownRequested) {
    // Temporal does not redeliver an attempt whose cancellation was requested: either the handler
    // never started (the stand-down worked) or it may have, and the attempt must be delivered again.
    return handlerMayHaveStarted(cause) ? { kind: 'cut' } : { kind: 'stood-down' };
  }
  return {
    kind: 'made',
    startedAt: options.assumedStart,
    error: { code: 'WORKER_LOST', message: `every delivery of the attempt lost its worker: ${cause?.message ?? err.message}` },
  };
}

/**
 * Whether a lost attempt's handler may have started. A worker records a `checked` heartbeat before
 * it starts a handler (docs/activity-contract.md), so a heartbeat timeout whose last details are
 * absent, `armed` or `standing-down` proves it never started. A failure the worker reported itself
 * proves it only when its details say so.
 */
function handlerMayHaveStarted(cause: unknown): boolean {
  if (cause instanceof TimeoutFailure) {
    const phase = phaseOf(cause.lastHeartbeatDetails);
    return phase === 'checked' || phase === 'running';
  }
  if (cause instanceof ApplicationFailure) {
    const phase = phaseOf(cause.details?.[0]);
    return !(phase === 'armed' || phase === 'standing-down');
  }
  return true;
}

function phaseOf(details: unknown): AttemptHeartbeatDetails['phase'] | undefined {
  return typeof details === 'object' && details !== null ? (details as Partial<AttemptHeartbeatDetails>).phase : undefined;
}

function isWorkerFailureCode(type: string | null | undefined): type is WorkerFailureCode {
  return (WORKER_FAILURE_CODES as readonly string[]).includes(type ?? '');
}
