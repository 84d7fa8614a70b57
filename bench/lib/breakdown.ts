/**
 * Where lateness comes from: for a sample of our callbacks, the workflow
 * history's event times split "trigger -> handler start" into stages
 * (distributions in ms over the sample), for the workflow task that scheduled
 * the first attempt:
 *
 *   wakeUp       trigger -> that workflow task scheduled (the start delay's or the timer's
 *                firing in history's timer queue; the start itself if registered late)
 *   wftQueue     scheduled -> started (matching, the service worker's poll)
 *   wftRun       started -> completed (the service worker)
 *   actSchedule  completed -> ActivityTaskStarted (history write, matching, app worker poll)
 *   handler      ActivityTaskStarted -> the handler's first line (app worker)
 *
 * `waitedOn` counts how each sampled callback waited for its trigger: Temporal's
 * start delay, a workflow timer, or neither (its workflow first ran after the trigger).
 */
import { Connection } from '@temporalio/client';
import { tsToMs } from '@temporalio/common/lib/time.js';
import proto, { type temporal as TemporalProto } from '@temporalio/proto';
import { callbackWorkflowId } from '../../workflows/contract.js';
import { distribution, type Distribution } from './stats.js';

const { temporal } = proto;
const EventType = temporal.api.enums.v1.EventType;
type HistoryEvent = TemporalProto.api.history.v1.IHistoryEvent;

export const STAGES = ['wakeUp', 'wftQueue', 'wftRun', 'actSchedule', 'handler'] as const;
export type StageName = (typeof STAGES)[number];
export type Breakdown = Record<StageName, Distribution> & {
  sampled: number;
  waitedOn: { startDelay: number; timer: number; neither: number };
};

export interface SampledCallback {
  uid: string;
  triggerAt: number;
  firedAt: number;
}

export async function latenessBreakdown(address: string, namespace: string, app: string, sample: SampledCallback[]): Promise<Breakdown> {
  const connection = await Connection.connect({ address });
  const stages = Object.fromEntries(STAGES.map((name) => [name, [] as number[]])) as Record<StageName, number[]>;
  const waitedOn = { startDelay: 0, timer: 0, neither: 0 };
  let sampled = 0;
  try {
    for (const callback of sample) {
      const { history } = await connection.workflowService.getWorkflowExecutionHistory({
        namespace,
        execution: { workflowId: callbackWorkflowId(app, callback.uid) },
        maximumPageSize: 200,
      });
      const events = history?.events ?? [];
      const byId = new Map(events.map((event) => [Number(event.eventId), event]));
      const first = (type: number): HistoryEvent | undefined => events.find((event) => event.eventType === type);
      const at = (event: HistoryEvent | undefined): number | undefined => (event?.eventTime ? tsToMs(event.eventTime) : undefined);

      const scheduledActivity = first(EventType.EVENT_TYPE_ACTIVITY_TASK_SCHEDULED);
      const completed = byId.get(Number(scheduledActivity?.activityTaskScheduledEventAttributes?.workflowTaskCompletedEventId ?? -1));
      const started = byId.get(Number(completed?.workflowTaskCompletedEventAttributes?.startedEventId ?? -1));
      const scheduled = byId.get(Number(started?.workflowTaskStartedEventAttributes?.scheduledEventId ?? -1));
      const [sc, s, c, a] = [at(scheduled), at(started), at(completed), at(first(EventType.EVENT_TYPE_ACTIVITY_TASK_STARTED))];
      if (sc === undefined || s === undefined || c === undefined || a === undefined) continue;
      sampled++;
      stages.wakeUp.push(sc - callback.triggerAt);
      stages.wftQueue.push(s - sc);
      stages.wftRun.push(c - s);
      stages.actSchedule.push(a - c);
      stages.handler.push(callback.firedAt - a);
      const backoff = first(EventType.EVENT_TYPE_WORKFLOW_EXECUTION_STARTED)?.workflowExecutionStartedEventAttributes?.firstWorkflowTaskBackoff;
      if (backoff && (Number(backoff.seconds ?? 0) > 0 || (backoff.nanos ?? 0) > 0)) waitedOn.startDelay++;
      else if (first(EventType.EVENT_TYPE_TIMER_FIRED)) waitedOn.timer++;
      else waitedOn.neither++;
    }
  } finally {
    await connection.close();
  }
  const distributions = Object.fromEntries(STAGES.map((name) => [name, distribution(stages[name])])) as Record<StageName, Distribution>;
  return { ...distributions, sampled, waitedOn };
}
