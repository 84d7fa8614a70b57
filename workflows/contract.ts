/**
 * The contract between the `delayCallback` workflow, the facade (`server/`) and
 * the client SDK (`client-sdk/`): names, input/state types, and the signal,
 * query and update definitions. Deterministic and Node-free, like the workflow.
 */
import { defineSearchAttributeKey, SearchAttributeType } from '@temporalio/common';
import { defineQuery, defineSignal, defineUpdate } from '@temporalio/workflow';
import { WEBHOOK_ATTEMPT_ERROR_CODES, type WebhookTarget } from './webhook-contract.js';
import { uidOfWorkflowIdSuffix, workflowIdSuffixOf } from './fire-uid.js';

/** Workflow type registered by the service worker. */
export const WORKFLOW_TYPE = 'delayCallback';
/** Task queue of the service worker (the workflows). */
export const SERVICE_TASK_QUEUE = 'delay-callback';
/** Activity type run by an application's worker. */
export const INVOKE_CALLBACK_ACTIVITY = 'invokeCallback';

/** Each application polls its own task queue: `delay-callback.<app>`. */
export function appTaskQueue(app: string): string {
  return `${SERVICE_TASK_QUEUE}.${app}`;
}

/**
 * Workflow id of a callback, readable in the Web UI: `callback:<app>:<uid>`. A schedule's fire
 * has the id Temporal gave it, `callback:<app>:<scheduleId>-2026-12-02T10:00:00Z`, for the uid
 * `<scheduleId>-20261202T100000Z` (see fire-uid.ts).
 */
export function callbackWorkflowId(app: string, uid: string): string {
  return `callback:${app}:${workflowIdSuffixOf(uid)}`;
}

/** The uid of the callback of `app` whose workflow id is `workflowId` (the inverse of callbackWorkflowId). */
export function callbackUidOf(app: string, workflowId: string): string {
  return uidOfWorkflowIdSuffix(workflowId.slice(`callback:${app}:`.length));
}

export const CALLBACK_STATUSES = ['scheduled', 'running', 'retrying', 'succeeded', 'failed', 'cancelled'] as const;
export type CallbackStatus = (typeof CALLBACK_STATUSES)[number];
export const FINAL_STATUSES: readonly CallbackStatus[] = ['succeeded', 'failed', 'cancelled'];

export function isFinalStatus(status: CallbackStatus): boolean {
  return FINAL_STATUSES.includes(status);
}

export const BACKOFF_KINDS = ['fixed', 'linear', 'exponential'] as const;
export type Backoff = (typeof BACKOFF_KINDS)[number];

export interface RetryStrategy {
  /** All attempts, the first included (1 = a single attempt). */
  maxAttempts: number;
  backoff: Backoff;
  intervalSeconds: number;
  maxIntervalSeconds: number;
}

/** The original design's defaults: 10 attempts, exponential from 10 s, capped at a day. */
export const DEFAULT_RETRY: RetryStrategy = {
  maxAttempts: 10,
  backoff: 'exponential',
  intervalSeconds: 10,
  maxIntervalSeconds: 86_400,
};

export const DEFAULT_ATTEMPT_TIMEOUT_SECONDS = 30;

/**
 * Business failures a worker reports for an attempt (the `type` of its non-retryable
 * ApplicationFailure): each counts against the retry strategy. See docs/activity-contract.md.
 */
export const WORKER_FAILURE_CODES = ['HANDLER_FAILED', 'HANDLER_RETURNED_FALSE', 'ATTEMPT_TIMEOUT', 'ALIAS_NOT_DEFINED'] as const;
export type WorkerFailureCode = (typeof WORKER_FAILURE_CODES)[number];

/**
 * Why an attempt failed (the `code` of `lastError`): a worker's business failure, or
 * `WORKER_LOST` (the attempt's deliveries were spent on lost workers: heartbeat timeouts,
 * workers shut down mid-attempt), or `TERMINATED` (the workflow was terminated from outside),
 * or, for a webhook callback, why its delivery failed (webhook-contract.ts; `ATTEMPT_TIMEOUT` is shared).
 */
export const ATTEMPT_ERROR_CODES = [...WORKER_FAILURE_CODES, 'WORKER_LOST', 'TERMINATED', ...WEBHOOK_ATTEMPT_ERROR_CODES] as const;
export type AttemptErrorCode = (typeof ATTEMPT_ERROR_CODES)[number];

export interface AttemptError {
  code: AttemptErrorCode;
  message: string;
}

export interface AttemptRecord {
  attempt: number;
  startedAt: string;
  finishedAt: string;
  error: AttemptError | null;
  /** A webhook attempt: the receiver's HTTP status, null without an answer. Absent for SDK attempts. */
  httpStatus?: number | null;
  /** A webhook attempt: from connecting to the end of the answer, ms. Absent for SDK attempts. */
  durationMs?: number;
}

/**
 * The input version the facade sets on every registration. Absent (workflows started
 * before it): the frozen version-1 body runs (workflows/legacy/). 2: pre-dispatch,
 * stand-down, bounded redeliveries, continue-as-new (workflows/delay-callback.ts).
 */
export const WORKFLOW_VERSION = 2;

/** Workflow input: one registration. Times are RFC 3339 UTC strings. */
export interface DelayCallbackInput {
  app: string;
  uid: string;
  alias: string;
  args: unknown;
  triggerAt: string;
  createdAt: string;
  retry: RetryStrategy;
  attemptTimeoutSeconds: number;
  /** Deliver to this URL (the service worker signs and POSTs) instead of the app's SDK worker. */
  webhook?: WebhookTarget;
  /** {@link WORKFLOW_VERSION}; absent in workflows started before version 2. */
  version?: number;
  /** How long before each due time its attempt is dispatched to the app's worker, ms (0: at the due time). @default 0 */
  dispatchLeadMs?: number;
  /** Deliveries of one attempt after the first that Temporal makes when a worker is lost, before WORKER_LOST. @default 3 */
  workerLossRedeliveries?: number;
  /** Progress carried over by continue-as-new; absent in the first run. */
  continued?: ContinuedState;
}

/** What one run hands the next when it continues as new (always while waiting for an attempt). */
export interface ContinuedState {
  state: CallbackState;
  /** When the current wait (for the trigger or the next retry) ends, epoch ms. */
  wakeAt: number;
  /** The CallbackStatus search attribute as last written. */
  publishedStatus: CallbackStatus;
}

/**
 * Workflow input of a schedule's fire: the schedule's action starts every fire with this same
 * input, so what differs per fire (uid, triggerAt, createdAt) is not in it; the workflow reads
 * it from Temporal (schedule-fire.ts).
 */
export type ScheduleFireInput = Omit<DelayCallbackInput, 'uid' | 'triggerAt' | 'createdAt'> & {
  /** The client's schedule id (not Temporal's): marks the input as a fire's. */
  scheduleId: string;
};

/** Everything `GET` shows; the `state` query answers it and the workflow returns (or fails with) it. */
export interface CallbackState {
  app: string;
  uid: string;
  alias: string;
  args: unknown;
  status: CallbackStatus;
  createdAt: string;
  triggerAt: string;
  retry: RetryStrategy;
  attemptTimeoutSeconds: number;
  /** Attempts made so far. */
  attempts: number;
  lastError: AttemptError | null;
  /** When the next attempt is due while `retrying`. */
  nextAttemptAt: string | null;
  /** When the first attempt started. */
  firedAt: string | null;
  /** firedAt minus triggerAt, in milliseconds. */
  latenessMs: number | null;
  completedAt: string | null;
  result: unknown;
  /** The most recent attempts, oldest first (at most {@link ATTEMPT_HISTORY_LIMIT}). */
  attemptHistory: AttemptRecord[];
  /**
   * Version 2: the attempt dispatched to the app's worker whose outcome the workflow awaits. Until
   * its due time the callback is still `scheduled` / `retrying` (the facade shows `running` from
   * `dueAt` on, or once the handler is known to have started). Not part of the API's answers.
   */
  pendingAttempt?: PendingAttempt | null;
}

export interface PendingAttempt {
  attempt: number;
  /** RFC 3339 UTC. */
  dueAt: string;
  /** The worker said (attempt-started signal) that the handler has started. */
  handlerStarted: boolean;
}

export const ATTEMPT_HISTORY_LIMIT = 10;

/** A callback's state as registered, before anything happened to it (or as a continued run received it). */
export function registeredState(input: DelayCallbackInput): CallbackState {
  // A continued run's state travels without its args (they are in the input once).
  if (input.continued) return { ...input.continued.state, args: input.args, pendingAttempt: null };
  return {
    app: input.app,
    uid: input.uid,
    alias: input.alias,
    args: input.args,
    status: 'scheduled',
    createdAt: input.createdAt,
    triggerAt: input.triggerAt,
    retry: input.retry,
    attemptTimeoutSeconds: input.attemptTimeoutSeconds,
    attempts: 0,
    lastError: null,
    nextAttemptAt: null,
    firedAt: null,
    latenessMs: null,
    completedAt: null,
    result: null,
    attemptHistory: [],
  };
}

/** What every attempt carries, whoever runs it (the app's worker, or the service for a webhook). */
export interface AttemptRequest {
  app: string;
  uid: string;
  alias: string;
  args: unknown;
  /** 1 for the first attempt; a redelivery after a worker crash repeats the number. */
  attempt: number;
  triggerAt: string;
  /** When the first attempt started; null on the first attempt (the runner fills in its own start time). */
  firedAt: string | null;
  attemptTimeoutSeconds: number;
}

/** Input of the callback activity that runs on the application's worker (docs/activity-contract.md). */
export interface InvokeCallbackInput extends AttemptRequest {
  /**
   * Version 2: when the handler may start, epoch ms. The worker starts it at `Date.now() >= dueAt`
   * on its own clock, never before, after the pre-start check. Absent (version 1): start at once.
   */
  dueAt?: number;
}

export interface InvokeCallbackResult {
  result: unknown;
  /** When the worker started this attempt (its clock). */
  startedAt: string;
}

/** Details attached to an attempt's business failure. */
export interface AttemptFailureDetails {
  startedAt: string;
}

export interface CallbackActivities {
  invokeCallback(input: InvokeCallbackInput): Promise<InvokeCallbackResult>;
}

/**
 * The details a worker records with each heartbeat of an attempt. `checked` and `running` tell
 * the workflow, after a lost worker, that the handler may have started (docs/activity-contract.md).
 */
export interface AttemptHeartbeatDetails {
  phase: 'armed' | 'checked' | 'standing-down' | 'running';
}

/** Heartbeat timeout of an attempt: a worker that stays silent this long is lost. */
export const ATTEMPT_HEARTBEAT_TIMEOUT_SECONDS = 10;
/** The worker enforces `attemptTimeoutSeconds` itself; Temporal's start-to-close is a backstop after this grace. */
export const ATTEMPT_TIMEOUT_GRACE_SECONDS = 10;
/** Largest `DISPATCH_LEAD_MS`: an armed attempt must wait well within the heartbeat timeout. */
export const MAX_DISPATCH_LEAD_MS = 5_000;
/**
 * A worker that cannot have the stand-down recorded as a cancellation may fail the attempt with a
 * non-retryable ApplicationFailure of this type instead: the workflow treats both alike.
 */
export const STOOD_DOWN = 'ATTEMPT_STOOD_DOWN';

export interface AttemptStartedRequest {
  attempt: number;
}

/** What an application's handler receives. */
export interface CallbackRequest<Args = unknown> {
  uid: string;
  app: string;
  alias: string;
  args: Args;
  /** 1 for the first attempt. A crash of a worker mid-attempt redelivers the same number. */
  attempt: number;
  triggerAt: string;
  /** When the first attempt started. */
  firedAt: string;
  /** Aborted when the attempt times out or the worker shuts down. */
  signal: AbortSignal;
}

export interface CancelRequest {
  /** Shown in the workflow history. */
  reason?: string;
}

export interface RescheduleRequest {
  /** The new time of the next attempt (RFC 3339 UTC). */
  triggerAt: string;
}

/**
 * Operators cancel with this signal (Web UI, `temporal workflow signal --name cancel`).
 * While an attempt runs it stops further retries instead.
 */
export const cancelSignal = defineSignal<[CancelRequest?]>('cancel');
/** The callback's current state. */
export const stateQuery = defineQuery<CallbackState>('state');
/**
 * Sent by a worker whose handler has started when it learns that the workflow asked its attempt to
 * stand down: the update waiting for the answer then answers CALLBACK_RUNNING at once.
 */
export const attemptStartedSignal = defineSignal<[AttemptStartedRequest]>('attempt-started');
/** Definite cancel for the HTTP path: rejected with CALLBACK_RUNNING or CALLBACK_FINISHED. */
export const cancelUpdate = defineUpdate<CallbackState, [CancelRequest]>('cancel-callback');
/** Moves the next attempt of a scheduled or retrying callback. */
export const rescheduleUpdate = defineUpdate<CallbackState, [RescheduleRequest]>('reschedule');

/** Failure types the workflow uses to reject an update or end itself. */
export const CALLBACK_RUNNING = 'CALLBACK_RUNNING';
export const CALLBACK_FINISHED = 'CALLBACK_FINISHED';
export const CALLBACK_FAILED = 'CALLBACK_FAILED';

export const searchAttributes = {
  app: defineSearchAttributeKey('CallbackApp', SearchAttributeType.KEYWORD),
  alias: defineSearchAttributeKey('CallbackAlias', SearchAttributeType.KEYWORD),
  status: defineSearchAttributeKey('CallbackStatus', SearchAttributeType.KEYWORD),
  triggerAt: defineSearchAttributeKey('CallbackTriggerAt', SearchAttributeType.DATETIME),
} as const;

/** Metrics the workflow exports through a sink (never called during replay). */
export type CallbackMetricsSink = {
  attemptFinished(app: string, outcome: 'succeeded' | AttemptErrorCode): void;
  fired(app: string, latenessMs: number): void;
  finished(app: string, status: CallbackStatus): void;
};
export type CallbackSinks = { callbackMetrics: CallbackMetricsSink };
