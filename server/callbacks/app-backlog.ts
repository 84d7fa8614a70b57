/**
 * How far behind firing is for one app, for `GET /v1/apps/{app}/stats`: callbacks
 * due but not yet started (Temporal visibility, eventually consistent), the
 * oldest of them, and the attempts waiting in the app's task queue for one of its
 * workers, with the number of workers polling it (Temporal DescribeTaskQueue).
 */
import type { Client } from '@temporalio/client';
import { defaultPayloadConverter } from '@temporalio/common';
import { appTaskQueue, searchAttributes } from '../../workflows/contract.js';
import { describeTaskQueueBacklog } from '../backlog/task-queue-backlog.js';
import { dueQuery } from './visibility-query.js';

export interface AppBacklog {
  /** Callbacks whose trigger time passed and whose first attempt has not started. */
  due: number;
  /** How long past its trigger the oldest of them is, ms (of at most 1000 scanned); null when none. */
  oldestDueMs: number | null;
  /** Attempts waiting in the app's task queue for a worker of the app (approximate). */
  waitingForWorker: number;
  /** How long the oldest of those has waited, ms; null when none. */
  oldestWaitingMs: number | null;
  /** Workers Temporal saw polling the app's task queue lately; 0 means attempts cannot run. */
  pollers: number;
}

/** How many due callbacks are scanned for the oldest one. */
const DUE_SCAN = 1_000;

export async function appBacklog(
  client: Client,
  namespace: string,
  app: string,
  call: <T>(fn: () => Promise<T>) => Promise<T>,
  now: number,
): Promise<AppBacklog> {
  const query = dueQuery(app, now);
  const [count, page, queue] = await Promise.all([
    call(() => client.workflowService.countWorkflowExecutions({ namespace, query })),
    call(() => client.workflowService.listWorkflowExecutions({ namespace, query, pageSize: DUE_SCAN })),
    call(() => describeTaskQueueBacklog(client, namespace, appTaskQueue(app), 'activity')),
  ]);
  // Visibility cannot sort by a custom attribute here: the earliest trigger of what was scanned.
  let oldestTrigger = Number.POSITIVE_INFINITY;
  for (const execution of page.executions ?? []) {
    const payload = execution.searchAttributes?.indexedFields?.[searchAttributes.triggerAt.name];
    const value = payload ? defaultPayloadConverter.fromPayload<string | string[]>(payload) : undefined;
    const trigger = Date.parse(Array.isArray(value) ? (value[0] ?? '') : (value ?? ''));
    if (Number.isFinite(trigger)) oldestTrigger = Math.min(oldestTrigger, trigger);
  }
  return {
    due: Number(count.count ?? 0),
    oldestDueMs: Number.isFinite(oldestTrigger) ? Math.max(0, now - oldestTrigger) : null,
    waitingForWorker: queue.tasks,
    oldestWaitingMs: queue.tasks > 0 ? queue.oldestAgeMs : null,
    pollers: queue.pollers,
  };
}
