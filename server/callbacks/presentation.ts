/**
 * What the API shows of a callback at a given moment. The workflow keeps what it
 * knows; two things only the clock (or Temporal's own bookkeeping) tells:
 *
 * - A version-2 attempt is dispatched up to DISPATCH_LEAD_MS before it is due:
 *   until then the callback is still `scheduled` (or `retrying`, with
 *   `nextAttemptAt` the due time), and `running` from the due time on (or as soon
 *   as its handler is known to have started).
 * - The first attempt writes no CallbackStatus (one visibility write less per
 *   callback): in visibility, `scheduled` past its trigger time means `running`.
 */
import type { WorkflowExecutionDescription } from '@temporalio/client';
import type { CallbackState, CallbackStatus } from '../../workflows/contract.js';
import { PendingActivityState } from '../temporal/enums.js';

/** The state as the API shows it at `now`, without the workflow's internal fields. */
export function presentState(state: CallbackState, now: number): CallbackState {
  const { pendingAttempt, ...shown } = state;
  if (!pendingAttempt || !(state.status === 'scheduled' || state.status === 'retrying')) return shown;
  if (!pendingAttempt.handlerStarted && now < Date.parse(pendingAttempt.dueAt)) return shown;
  return { ...shown, status: 'running', attempts: pendingAttempt.attempt, nextAttemptAt: null };
}

/** The status a visibility record stands for at `now` (CallbackStatus and CallbackTriggerAt of a running workflow). */
export function visibleStatus(status: CallbackStatus, triggerAtMs: number, now: number): CallbackStatus {
  return status === 'scheduled' && triggerAtMs <= now ? 'running' : status;
}

/** True when the callback's attempt sits in the app's task queue: no worker of the app has taken it. */
export function waitingForWorker(description: WorkflowExecutionDescription, now: number): boolean {
  if (description.status.name !== 'RUNNING') return false;
  return (description.raw.pendingActivities ?? []).some((activity) => {
    if (activity.state !== PendingActivityState.PENDING_ACTIVITY_STATE_SCHEDULED) return false;
    // Between two deliveries (the retry of a lost attempt) it waits for its backoff, not for a worker.
    const next = activity.nextAttemptScheduleTime;
    return !next || Number(next.seconds ?? 0) * 1000 <= now;
  });
}
