/**
 * What the facade stores beside a callback's workflow (its memo) and how it
 * rebuilds a callback's state from the workflow's start event when no worker
 * can answer a query for it (not run yet, or terminated by an operator).
 */
import type { WorkflowHandle } from '@temporalio/client';
import { defaultPayloadConverter } from '@temporalio/common';
import { EventType } from '../temporal/enums.js';
import { decodeArgument, workflowContext } from '../temporal/payloads.js';
import {
  cancelSignal,
  registeredState,
  type CallbackState,
  type DelayCallbackInput,
  type RetryStrategy,
  type ScheduleFireInput,
} from '../../workflows/contract.js';
import { runInputOf, scheduledStartTimeKey } from '../../workflows/schedule-fire.js';

/** The memo: what the Web UI and the listing show without reading the history. The args are not in it (they are in the input). */
export type CallbackMemo = {
  alias: string;
  createdAt: string;
  triggerAt: string;
  retry: RetryStrategy;
  /** A webhook callback's target host (never its path, query or headers), for the Web UI. */
  webhookHost?: string;
};

export function memoOf(input: DelayCallbackInput): CallbackMemo {
  return {
    alias: input.alias,
    createdAt: input.createdAt,
    triggerAt: input.triggerAt,
    retry: input.retry,
    ...(input.webhook ? { webhookHost: new URL(input.webhook.url).host } : {}),
  };
}

export function readMemo(memo: Record<string, unknown> | undefined): CallbackMemo {
  return (memo ?? {}) as unknown as CallbackMemo;
}

/**
 * The state a callback had when registered (or when its current run took over), from the input of
 * its start event, and whether its workflow has run a task since (until its trigger it has not:
 * Temporal holds the first task). An operator's `cancel` signal recorded meanwhile is applied: the
 * workflow applies it before anything else when it wakes up, so the callback will never fire.
 */
export async function registeredStateOf(handle: WorkflowHandle): Promise<{ state: CallbackState; hasRun: boolean; input: DelayCallbackInput }> {
  const { workflowService, options } = handle.client;
  const page = await workflowService.getWorkflowExecutionHistory({
    namespace: options.namespace,
    execution: { workflowId: handle.workflowId },
    maximumPageSize: 50,
  });
  const events = page.history?.events ?? [];
  const payloads = events[0]?.workflowExecutionStartedEventAttributes?.input?.payloads;
  if (!payloads?.length) throw new Error(`workflow ${handle.workflowId} has no start event input`);
  const hasRun = events.some((event) => event.eventType === EventType.EVENT_TYPE_WORKFLOW_TASK_COMPLETED) || Boolean(page.nextPageToken?.length);
  const started = events[0]!;
  // Through the client's data converter: the input is as its codecs (if any) encoded it.
  const raw = await decodeArgument<DelayCallbackInput | ScheduleFireInput>(handle.client, payloads, 0, workflowContext(options.namespace, handle.workflowId));
  // A schedule's fire: the same completion of its input as the workflow makes (schedule-fire.ts).
  // Search attributes are never encoded by codecs: the default converter reads them.
  const scheduledAt = started.workflowExecutionStartedEventAttributes?.searchAttributes?.indexedFields?.[scheduledStartTimeKey.name];
  const input = runInputOf(raw, {
    workflowId: handle.workflowId,
    scheduledStartTime: scheduledAt ? new Date(defaultPayloadConverter.fromPayload<string>(scheduledAt)) : undefined,
    startTime: new Date(Number(started.eventTime?.seconds ?? 0) * 1000 + Math.floor((started.eventTime?.nanos ?? 0) / 1e6)),
  });
  const state = registeredState(input);
  const cancelled = hasRun ? undefined : events.find((event) => event.workflowExecutionSignaledEventAttributes?.signalName === cancelSignal.name);
  if (cancelled && (state.status === 'scheduled' || state.status === 'retrying')) {
    const at = cancelled.eventTime ? new Date(Number(cancelled.eventTime.seconds ?? 0) * 1000 + Math.floor((cancelled.eventTime.nanos ?? 0) / 1e6)) : new Date();
    return { state: { ...state, status: 'cancelled', nextAttemptAt: null, completedAt: at.toISOString() }, hasRun, input };
  }
  return { state, hasRun, input };
}
