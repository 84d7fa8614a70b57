/**
 * The contract between the `delayCallback` workflow, the facade (`server/`) and
 * the client SDK (`client-sdk/`): names, input/state types, and the signal,
 * query and update definitions. Deterministic and Node-free, like the workflow.
 */
import { defineSearchAttributeKey, SearchAttributeType } from '@temporalio/common';
import { defineQuery, defineSignal, defineUpdate } from '@temporalio/workflow';
import type { WebhookTarget } from './webhook-contract.js';
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

/** Why an attempt failed (the `code` of `lastError`). */
export const ATTEMPT_ERROR_CODES = ['HANDLER_FAILED', 'HANDLER_RETURNED_FALSE', 'ATTEMPT_TIMEOUT', 'ALIAS_NOT_DEFINED'] as const;
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
}

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
}

export const ATTEMPT_HISTORY_LIMIT = 10;

/** A callback's state as registered, before anything happened to it. */
export function registeredState(input: DelayCallbackInput): CallbackState {
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

/** Input of the callback activity that runs on the application's worker. */
export interface InvokeCallbackInput {
  app: string;
  uid: string;
  alias: string;
  args: unknown;
  attempt: number;
  triggerAt: string;
  /** When the first attempt started; null on the first attempt (the worker fills in its own start time). */
  firedAt: string | null;
  attemptTimeoutSeconds: number;
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
