/**
 * Our schedule as a Temporal Schedule, and back. Its action starts an ordinary
 * `delayCallback` per fire with the workflow id `callback:<app>:<scheduleId>` (Temporal adds
 * the fire's time) and a fire input (no uid or trigger time: the run reads them from Temporal).
 * The settings as the client gave them (every/cron text, policies) travel in the action's
 * memo, which an update can replace (a schedule's own memo cannot be), so every fire shows
 * in the Web UI which settings started it. The schedule's own memo keeps the fingerprint of
 * the create request, for idempotency.
 */
import type { ScheduleDescription, ScheduleOptions, ScheduleOptionsStartWorkflowAction, ScheduleUpdateOptions, Workflow } from '@temporalio/client';
import type { SearchAttributePair } from '@temporalio/common';
import { SERVICE_TASK_QUEUE, WORKFLOW_TYPE, WORKFLOW_VERSION, searchAttributes, type ScheduleFireInput } from '../../workflows/contract.js';
import { scheduleActionWorkflowId, temporalScheduleId } from '../../workflows/schedule-fire.js';
import type { ScheduleDefinition, ScheduleSettings } from './definition.js';
import { temporalPoliciesOf } from './policies.js';
import { temporalSpecOf } from './timing.js';

/** Memo of each fire: what the Web UI shows beside the workflow. */
export interface FireMemo {
  alias: string;
  retry: ScheduleFireInput['retry'];
  argsPreview: string;
  /** A webhook schedule's target host (never its path or headers), as a registration's memo has it. */
  webhookHost?: string;
  schedule: ScheduleSettings & { scheduleId: string };
}

export interface ScheduleMemo {
  /** Of the create request's body (definition.ts fingerprintOf). */
  fingerprint: string;
}

const ARGS_PREVIEW_CHARS = 200;

/** How each fire's workflow runs its attempts (service configuration, not the schedule's). */
export interface FireSettings {
  /** Deliveries of one attempt after the first when its worker is lost (WORKER_LOSS_REDELIVERIES). */
  workerLossRedeliveries: number;
}

function fireInputOf(app: string, scheduleId: string, definition: ScheduleDefinition, fire: FireSettings): ScheduleFireInput {
  const { alias, args, retry, attemptTimeoutSeconds, webhook } = definition.template;
  // Version 2 of the workflow; no pre-dispatch lead: Temporal starts a fire at its time, so its
  // attempt is dispatched at once and the worker starts it as soon as it arrives.
  return {
    app,
    scheduleId,
    alias,
    args,
    retry,
    attemptTimeoutSeconds,
    ...(webhook === undefined ? {} : { webhook }),
    version: WORKFLOW_VERSION,
    dispatchLeadMs: 0,
    workerLossRedeliveries: fire.workerLossRedeliveries,
  };
}

function actionOf(app: string, scheduleId: string, definition: ScheduleDefinition, fire: FireSettings): ScheduleOptionsStartWorkflowAction<Workflow> {
  const { alias, args, retry, webhook } = definition.template;
  const json = JSON.stringify(args);
  const webhookHost = webhook === undefined ? undefined : new URL(webhook.url).host;
  const memo: FireMemo = {
    alias,
    retry,
    argsPreview: json.length > ARGS_PREVIEW_CHARS ? `${json.slice(0, ARGS_PREVIEW_CHARS)}…` : json,
    ...(webhookHost === undefined ? {} : { webhookHost }),
    schedule: { scheduleId, ...definition.settings },
  };
  return {
    type: 'startWorkflow',
    workflowType: WORKFLOW_TYPE,
    taskQueue: SERVICE_TASK_QUEUE,
    workflowId: scheduleActionWorkflowId(app, scheduleId),
    args: [fireInputOf(app, scheduleId, definition, fire)],
    memo: memo as unknown as Record<string, unknown>,
    // CallbackTriggerAt differs per fire: the fire's first status write adds it (schedule-fire.ts).
    typedSearchAttributes: [
      { key: searchAttributes.app, value: app },
      { key: searchAttributes.alias, value: alias },
      { key: searchAttributes.status, value: 'scheduled' },
    ],
    staticSummary: `${alias} of ${app}, a fire of schedule ${scheduleId}${webhookHost === undefined ? '' : `, webhook to ${webhookHost}`}`,
  };
}

function scheduleAttributes(app: string, definition: ScheduleDefinition): SearchAttributePair[] {
  return [
    { key: searchAttributes.app, value: app },
    { key: searchAttributes.alias, value: definition.template.alias },
  ];
}

export function createOptionsOf(
  app: string,
  scheduleId: string,
  definition: ScheduleDefinition,
  fingerprint: string,
  maxSeconds: number,
  fire: FireSettings,
): ScheduleOptions {
  const memo: ScheduleMemo = { fingerprint };
  return {
    scheduleId: temporalScheduleId(app, scheduleId),
    spec: temporalSpecOf(definition.settings, maxSeconds),
    action: actionOf(app, scheduleId, definition, fire),
    policies: temporalPoliciesOf(definition.settings),
    state: definition.settings.limit === null ? {} : { remainingActions: definition.settings.limit },
    memo: memo as unknown as Record<string, unknown>,
    typedSearchAttributes: scheduleAttributes(app, definition),
  };
}

/** The update replacing `previous` with `definition`, keeping its pause state; `remainingActions` as computed by the caller. */
export function updateOptionsOf(
  app: string,
  scheduleId: string,
  definition: ScheduleDefinition,
  previous: ScheduleDescription,
  remainingActions: number | undefined,
  maxSeconds: number,
  fire: FireSettings,
): ScheduleUpdateOptions {
  return {
    spec: temporalSpecOf(definition.settings, maxSeconds),
    action: actionOf(app, scheduleId, definition, fire),
    policies: temporalPoliciesOf(definition.settings),
    state: { paused: previous.state.paused, note: previous.state.note, remainingActions },
    typedSearchAttributes: scheduleAttributes(app, definition),
  };
}

/** The definition a schedule was last given, from its action (input and memo). */
export function definitionOfDescription(description: ScheduleDescription): ScheduleDefinition {
  const action = description.action;
  const input = action.args?.[0] as ScheduleFireInput;
  const { scheduleId: _id, ...settings } = (action.memo as unknown as FireMemo).schedule;
  return {
    template: {
      alias: input.alias,
      args: input.args,
      retry: input.retry,
      attemptTimeoutSeconds: input.attemptTimeoutSeconds,
      ...(input.webhook === undefined ? {} : { webhook: input.webhook }),
    },
    settings,
  };
}

export function memoOfDescription(description: ScheduleDescription): Partial<ScheduleMemo> {
  return (description.memo ?? {}) as Partial<ScheduleMemo>;
}
