/**
 * The bare-Temporal baseline's workflow: no product code, the shape of a callback. Started
 * with a start delay until the trigger, it runs one activity on another task queue (the
 * "application's" worker, which records when it starts) and completes.
 */
import { proxyActivities } from '@temporalio/workflow';
import type { BaselineActivities } from './activities.js';

export interface BaselineInput {
  run: string;
  seq: number;
  /** The task queue of the activity worker. */
  activityTaskQueue: string;
}

export async function baselineCallback(input: BaselineInput): Promise<void> {
  const { fire } = proxyActivities<BaselineActivities>({ taskQueue: input.activityTaskQueue, startToCloseTimeout: '30 seconds' });
  await fire({ run: input.run, seq: input.seq });
}
