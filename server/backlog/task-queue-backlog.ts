/**
 * How far behind a task queue is, from Temporal's DescribeTaskQueue with
 * `reportStats` (default mode; Temporal server 1.28 and later): the approximate
 * number of tasks waiting, the age of the oldest, and the pollers seen lately.
 * On the service queue (workflow tasks) a backlog means due callbacks wait for a
 * service worker; on an app's queue (activity tasks) attempts wait for the app's
 * workers.
 */
import type { Client } from '@temporalio/client';
import { TaskQueueKind, TaskQueueType } from '../temporal/enums.js';

export type TaskQueueTaskType = 'workflow' | 'activity';

export interface TaskQueueBacklog {
  taskQueue: string;
  type: TaskQueueTaskType;
  /** Tasks waiting (approximate). */
  tasks: number;
  /** Age of the oldest waiting task, ms (0 when none waits). */
  oldestAgeMs: number;
  /** Pollers Temporal saw on the queue recently (0: no worker). */
  pollers: number;
}

export async function describeTaskQueueBacklog(
  client: Client,
  namespace: string,
  taskQueue: string,
  type: TaskQueueTaskType,
): Promise<TaskQueueBacklog> {
  const response = await client.workflowService.describeTaskQueue({
    namespace,
    taskQueue: { name: taskQueue, kind: TaskQueueKind.TASK_QUEUE_KIND_NORMAL },
    taskQueueType: type === 'workflow' ? TaskQueueType.TASK_QUEUE_TYPE_WORKFLOW : TaskQueueType.TASK_QUEUE_TYPE_ACTIVITY,
    reportStats: true,
  });
  const stats = response.stats;
  const age = stats?.approximateBacklogAge;
  const tasks = Number(stats?.approximateBacklogCount ?? 0);
  return {
    taskQueue,
    type,
    tasks,
    oldestAgeMs: tasks === 0 ? 0 : Number(age?.seconds ?? 0) * 1000 + Math.round(Number(age?.nanos ?? 0) / 1e6),
    pollers: response.pollers?.length ?? 0,
  };
}
