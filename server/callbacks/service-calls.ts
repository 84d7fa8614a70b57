/**
 * The callback service's calls to its dependencies, each bounded with `boundedCall`
 * (dependency-calls.ts): plain Temporal calls, queries and updates a service worker must
 * answer (so a 503 names the right dependency), a registration's start through admission
 * control, and Redis commands.
 */
import type { Client, WorkflowHandle } from '@temporalio/client';
import { ServiceError, dependencyUnavailable } from '../errors.js';
import { PendingWorkflowTaskState } from '../temporal/enums.js';
import type { Admission } from '../admission/admission.js';
import { boundedCall, isDependencyUnavailable, isNoAnswerInTime } from './dependency-calls.js';
import { DEADLINE_MARGIN_MS } from './registration-outcome.js';

export interface ServiceCallsOptions {
  /** The Temporal client every Temporal call goes through. */
  client: Client;
  /** Bound on each dependency call. */
  dependencyTimeoutMs: number;
  /** Admission control of registrations' starts; none: a start goes straight to Temporal. */
  admission?: Admission;
}

export class ServiceCalls {
  constructor(private readonly options: ServiceCallsOptions) {}

  /**
   * A registration's start: through admission control, bounded by the registration's own (short)
   * timeout, counted from before the queue so that a wait there shortens the start rather than the
   * answer coming later; `deadline.at` records the gRPC deadline once the start has left the queue.
   */
  startCall<T>(deadline: { at: number }, startTimeoutMs: number, call: () => Promise<T>): Promise<T> {
    const deadlineAt = Date.now() + Math.min(startTimeoutMs, this.options.dependencyTimeoutMs);
    const bounded = (): Promise<T> => {
      deadline.at = deadlineAt;
      return boundedCall('temporal', Math.max(0, deadlineAt - Date.now()) + DEADLINE_MARGIN_MS, () => this.options.client.withDeadline(deadlineAt, call));
    };
    return this.options.admission ? this.options.admission.start(bounded) : bounded();
  }

  /** A Temporal call, bounded by the dependency timeout. */
  temporalCall<T>(call: () => Promise<T>): Promise<T> {
    const timeoutMs = this.options.dependencyTimeoutMs;
    // The gRPC deadline ends the call on the wire; the outer bound also covers the client's own retries,
    // which its abort signal cancels.
    const { client } = this.options;
    return boundedCall('temporal', timeoutMs + 250, (signal) => client.withAbortSignal(signal, () => client.withDeadline(Date.now() + timeoutMs, call)));
  }

  /**
   * A query or update: a service worker must answer it. A deadline passing means either no
   * worker picked it up or Temporal itself is gone; a quick probe of Temporal (only on this
   * failure path) tells the two apart, so the 503 names the right dependency.
   */
  async workerCall<T>(call: () => Promise<T>): Promise<T> {
    try {
      return await this.temporalCall(call);
    } catch (err) {
      if (!isDependencyUnavailable(err) || !isNoAnswerInTime(err.cause)) throw err;
      const temporalAnswers = await boundedCall('temporal', 1_000, (signal) =>
        this.options.client.withAbortSignal(signal, () =>
          this.options.client.withDeadline(Date.now() + 1_000, () => this.options.client.workflowService.getSystemInfo({})),
        ),
      ).then(
        () => true,
        () => false,
      );
      throw temporalAnswers ? dependencyUnavailable('service-worker', err.cause) : err;
    }
  }

  /**
   * A cancel or reschedule. A webhook callback's attempt runs as a local activity that holds its
   * workflow task: an update waits for that task to end (the delivery's answer, or the task's
   * heartbeat after 8 s). Past our deadline with such a task in progress, the attempt is in flight:
   * answered as for a running handler (the update, still queued, is refused by the workflow when it
   * sees it, or finds the callback finished).
   */
  async updateCall<T>(handle: WorkflowHandle, call: () => Promise<T>): Promise<T> {
    try {
      return await this.workerCall(call);
    } catch (err) {
      const serviceWorker = err instanceof ServiceError && (err.details as Array<{ dependency?: string }> | undefined)?.[0]?.dependency === 'service-worker';
      if (!serviceWorker) throw err;
      const description = await this.temporalCall(() => handle.describe()).catch(() => undefined);
      const webhook = typeof (description?.memo as { webhookHost?: unknown } | undefined)?.webhookHost === 'string';
      const taskRunning = description?.raw.pendingWorkflowTask?.state === PendingWorkflowTaskState.PENDING_WORKFLOW_TASK_STATE_STARTED;
      if (description?.status.name === 'RUNNING' && webhook && taskRunning) {
        throw new ServiceError('CALLBACK_RUNNING', 'a delivery of this webhook callback is in flight; try again when it has finished');
      }
      throw err;
    }
  }

  redisCall<T>(call: () => Promise<T>): Promise<T> {
    return boundedCall('redis', this.options.dependencyTimeoutMs, call);
  }
}
