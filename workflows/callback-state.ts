/**
 * A callback's data: its statuses, retry strategy, workflow input (one registration, a schedule's
 * fire, a continued run) and the state that `GET` shows. Deterministic and Node-free, like the
 * workflow; re-exported by contract.ts.
 */
import type { AttemptError, AttemptRecord } from './attempt-contract.js';
import type { WebhookTarget } from './webhook-contract.js';

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
