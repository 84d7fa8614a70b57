/** Reading a callback's workflow history in tests: which events, in which order, at what time. */
import type { Client } from '@temporalio/client';
import { EventType } from '../../server/temporal/enums.js';
import { callbackWorkflowId } from '../../workflows/contract.js';

export interface HistoryEvent {
  id: number;
  /** Without the EVENT_TYPE_ prefix, e.g. ACTIVITY_TASK_CANCELED. */
  type: string;
  /** Epoch ms. */
  at: number;
  raw: Awaited<ReturnType<ReturnType<Client['workflow']['getHandle']>['fetchHistory']>>['events'] extends (infer E)[] | null | undefined ? E : never;
}

/** The events of the callback's latest run. */
export async function historyOf(temporal: Client, app: string, uid: string): Promise<HistoryEvent[]> {
  const history = await temporal.workflow.getHandle(callbackWorkflowId(app, uid)).fetchHistory();
  return (history.events ?? []).map((event) => ({
    id: Number(event.eventId),
    type: (EventType[event.eventType ?? 0] ?? String(event.eventType)).replace(/^EVENT_TYPE_/, ''),
    at: Number(event.eventTime?.seconds ?? 0) * 1000 + Math.floor((event.eventTime?.nanos ?? 0) / 1e6),
    raw: event,
  }));
}

/** Whether Temporal knows the callback's workflow (any run, open or closed). */
export async function workflowExists(temporal: Client, app: string, uid: string): Promise<boolean> {
  try {
    await temporal.workflow.getHandle(callbackWorkflowId(app, uid)).describe();
    return true;
  } catch {
    return false;
  }
}

export const ofType = (events: HistoryEvent[], type: string): HistoryEvent[] => events.filter((event) => event.type === type);
