/**
 * How the facade, the operators and the workers talk to a running callback workflow (signals,
 * queries, updates and the failure types that reject them), and what it publishes (search
 * attributes, the metrics sink). Deterministic and Node-free, like the workflow; re-exported by contract.ts.
 */
import { defineSearchAttributeKey, SearchAttributeType } from '@temporalio/common';
import { defineQuery, defineSignal, defineUpdate } from '@temporalio/workflow';
import type { AttemptErrorCode } from './attempt-contract.js';
import type { CallbackState, CallbackStatus } from './callback-state.js';

export interface AttemptStartedRequest {
  attempt: number;
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
