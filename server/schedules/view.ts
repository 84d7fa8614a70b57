/** What the API answers for a schedule, from Temporal's description of it (and its list entry). */
import type { ScheduleDescription } from '@temporalio/client';
import { defaultPayloadConverter } from '@temporalio/common';
import type { temporal } from '@temporalio/proto';
import { callbackUidOf, searchAttributes, type CallbackStatus } from '../../workflows/contract.js';
import { fireTimeOfWorkflowIdSuffix } from '../../workflows/fire-uid.js';
import { temporalScheduleId } from '../../workflows/schedule-fire.js';
import { callbackLinks, type LinkSettings } from '../callbacks/links.js';
import type { ScheduleSummary, ScheduleView } from '../../shared/schemas/schedules.js';
import type { CallbackTemplate, ScheduleDefinition } from './definition.js';

/** How many of Temporal's next action times are shown. */
export const NEXT_FIRE_TIMES = 5;

type State = ScheduleView['state'];

/** completed once Temporal sees no fire left to take (limit reached, endAt passed); paused wins over active only. */
function stateOf(paused: boolean, nextTimes: readonly unknown[]): State {
  if (nextTimes.length === 0) return 'completed';
  return paused ? 'paused' : 'active';
}

export function scheduleLinks(settings: LinkSettings, app: string, scheduleId: string): ScheduleView['links'] {
  const base = `${settings.publicUrl ?? ''}/v1/apps/${encodeURIComponent(app)}`;
  return {
    self: `${base}/schedules/${encodeURIComponent(scheduleId)}`,
    fires: `${base}/callbacks?scheduleId=${encodeURIComponent(scheduleId)}`,
    webUi: `${settings.uiUrl}/namespaces/${encodeURIComponent(settings.namespace)}/schedules/${encodeURIComponent(temporalScheduleId(app, scheduleId))}`,
  };
}

/** A fire's status as visibility reports it, by workflow id; missing ones show as scheduled. */
export type FireStatuses = ReadonlyMap<string, CallbackStatus>;

/** The template as shown: a webhook's URL and header names, never its sealed values. */
function templateView({ webhook, ...template }: CallbackTemplate): Omit<CallbackTemplate, 'webhook'> & { webhook: ScheduleView['webhook'] } {
  return { ...template, webhook: webhook === undefined ? null : { url: webhook.url, headerNames: webhook.headers?.names ?? [] } };
}

export function scheduleViewOf(
  app: string,
  scheduleId: string,
  description: ScheduleDescription,
  definition: ScheduleDefinition,
  statuses: FireStatuses,
  links: LinkSettings,
): ScheduleView {
  const { info, state } = description;
  const rawInfo = description.raw.info;
  const prefix = `callback:${app}:`;
  return {
    scheduleId,
    app,
    state: stateOf(state.paused, info.nextActionTimes),
    note: state.note || null,
    ...templateView(definition.template),
    ...definition.settings,
    fires: {
      total: info.numActionsTaken,
      remaining: state.remainingActions ?? null,
      missed: info.numActionsMissedCatchupWindow + info.numActionsSkippedOverlap + Number(rawInfo?.bufferDropped ?? 0),
      running: info.runningActions.length,
      buffered: Number(rawInfo?.bufferSize ?? 0),
    },
    nextFireTimes: state.paused ? [] : info.nextActionTimes.slice(0, NEXT_FIRE_TIMES).map((time) => time.toISOString()),
    recentFires: [...info.recentActions].reverse().map((action) => {
      const { workflowId, firstExecutionRunId } = action.action.workflow;
      const uid = callbackUidOf(app, workflowId);
      return {
        uid,
        // The fire's own trigger time (whole seconds, as its workflow id and TemporalScheduledStartTime say).
        triggerAt: (fireTimeOfWorkflowIdSuffix(workflowId.slice(prefix.length)) ?? action.scheduledAt).toISOString(),
        startedAt: action.takenAt.toISOString(),
        status: statuses.get(workflowId) ?? 'scheduled',
        links: callbackLinks(links, app, uid, firstExecutionRunId),
      };
    }),
    createdAt: info.createdAt.toISOString(),
    updatedAt: info.lastUpdatedAt?.toISOString() ?? null,
    links: scheduleLinks(links, app, scheduleId),
  };
}

type ListEntry = temporal.api.schedule.v1.IScheduleListEntry;

/** A list entry (Temporal visibility, eventually consistent) as a summary. */
export function scheduleSummaryOf(app: string, entry: ListEntry, links: LinkSettings): ScheduleSummary {
  const scheduleId = (entry.scheduleId ?? '').slice(temporalScheduleId(app, '').length);
  const aliasPayload = entry.searchAttributes?.indexedFields?.[searchAttributes.alias.name];
  const nextTimes = entry.info?.futureActionTimes ?? [];
  const paused = Boolean(entry.info?.paused);
  return {
    scheduleId,
    app,
    alias: aliasPayload ? defaultPayloadConverter.fromPayload<string>(aliasPayload) : '',
    state: stateOf(paused, nextTimes),
    note: entry.info?.notes || null,
    nextFireTimes: paused
      ? []
      : nextTimes
          .slice(0, NEXT_FIRE_TIMES)
          .map((time) => new Date(Number(time.seconds ?? 0) * 1000 + Math.floor((time.nanos ?? 0) / 1e6)).toISOString()),
    links: scheduleLinks(links, app, scheduleId),
  };
}
