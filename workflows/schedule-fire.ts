/**
 * A schedule's fire is an ordinary `delayCallback` workflow started by a Temporal Schedule.
 * The schedule's action starts every fire with the same input, so what is particular to one
 * fire comes from Temporal: its uid from its workflow id (Temporal appends the scheduled
 * time), its trigger time from the `TemporalScheduledStartTime` search attribute Temporal sets
 * on every run it starts (the nominal time, before jitter; we use none), and its createdAt
 * from the run's start. Deterministic and Node-free: the workflow and the facade share it.
 */
import {
  defineSearchAttributeKey,
  SearchAttributeType,
  type SearchAttributeUpdatePair,
  type TypedSearchAttributes,
} from '@temporalio/common';
import { callbackUidOf, searchAttributes, type DelayCallbackInput, type ScheduleFireInput } from './contract.js';
import { fireTimeOfWorkflowIdSuffix } from './fire-uid.js';

/** Set by Temporal on each workflow a schedule starts: the fire's scheduled time (whole seconds). */
export const scheduledStartTimeKey = defineSearchAttributeKey('TemporalScheduledStartTime', SearchAttributeType.DATETIME);
/** Set by Temporal on each workflow a schedule starts: the Temporal schedule id (filters the fires of one). */
export const scheduledByIdKey = defineSearchAttributeKey('TemporalScheduledById', SearchAttributeType.KEYWORD);

/** Temporal's id of the schedule `scheduleId` of `app`. */
export function temporalScheduleId(app: string, scheduleId: string): string {
  return `schedule:${app}:${scheduleId}`;
}

/** The workflow id of the schedule's action; Temporal appends each fire's time to it. */
export function scheduleActionWorkflowId(app: string, scheduleId: string): string {
  return `callback:${app}:${scheduleId}`;
}

/** What Temporal tells a run about itself that tells one fire from another. */
export interface FireContext {
  workflowId: string;
  /** TemporalScheduledStartTime; absent on runs no schedule started. */
  scheduledStartTime: Date | undefined;
  /** When the run's workflow execution started. */
  startTime: Date;
}

export function isScheduleFireInput(input: DelayCallbackInput | ScheduleFireInput): input is ScheduleFireInput {
  return typeof (input as Partial<ScheduleFireInput>).scheduleId === 'string' && (input as Partial<DelayCallbackInput>).uid === undefined;
}

/**
 * The input this run works with: a registration's input as it is; a fire's completed with its
 * uid, trigger time (the scheduled time, else the one in its workflow id, else its start) and
 * createdAt (its start).
 */
export function runInputOf(input: DelayCallbackInput | ScheduleFireInput, context: FireContext): DelayCallbackInput {
  if (!isScheduleFireInput(input)) return input;
  const scheduledAt =
    context.scheduledStartTime ?? fireTimeOfWorkflowIdSuffix(context.workflowId.slice(`callback:${input.app}:`.length)) ?? context.startTime;
  return {
    ...input,
    uid: callbackUidOf(input.app, context.workflowId),
    triggerAt: scheduledAt.toISOString(),
    createdAt: context.startTime.toISOString(),
  };
}

/** The FireContext of the current run, from what `workflowInfo()` holds. */
export function fireContextOf(info: { workflowId: string; startTime: Date; typedSearchAttributes: TypedSearchAttributes }): FireContext {
  return { workflowId: info.workflowId, scheduledStartTime: info.typedSearchAttributes.get(scheduledStartTimeKey), startTime: info.startTime };
}

/**
 * Search attributes a run must add to visibility beyond what it started with. A fire started
 * with the action's static ones: its CallbackTriggerAt is known only to the run. Empty for a
 * registration (the facade set them all), so its commands stay as they were.
 */
export function fireVisibility(raw: DelayCallbackInput | ScheduleFireInput, input: DelayCallbackInput): SearchAttributeUpdatePair[] {
  return isScheduleFireInput(raw) ? [{ key: searchAttributes.triggerAt, value: new Date(input.triggerAt) }] : [];
}
