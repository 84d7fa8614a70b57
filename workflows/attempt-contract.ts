/**
 * The attempt's contract with whoever runs it (an application's worker, or the service for a
 * webhook): what an attempt carries, how it fails and reports progress, and the timing bounds
 * both sides rely on. Deterministic and Node-free, like the workflow; re-exported by contract.ts.
 */
import { WEBHOOK_ATTEMPT_ERROR_CODES } from './webhook-contract.js';

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
