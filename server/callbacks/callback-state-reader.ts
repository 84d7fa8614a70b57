/**
 * Reading a callback's state from Temporal: a running workflow is queried (or read as
 * registered before its trigger), a closed one answers with its result or, ended from outside,
 * with what it had done by then. Also the summary of a registration found already started, and
 * the status an update's failure stands for.
 */
import {
  WorkflowFailedError,
  WorkflowNotFoundError,
  WorkflowUpdateFailedError,
  type Client,
  type WorkflowExecutionDescription,
  type WorkflowHandle,
} from '@temporalio/client';
import { ApplicationFailure, TerminatedFailure } from '@temporalio/common';
import {
  CALLBACK_FAILED,
  CALLBACK_FINISHED,
  CALLBACK_RUNNING,
  callbackWorkflowId,
  searchAttributes,
  stateQuery,
  type CallbackState,
  type CallbackStatus,
} from '../../workflows/contract.js';
import { ServiceError, callbackNotFound } from '../errors.js';
import type { CallbackSummary } from '../../shared/schemas/callbacks.js';
import { callbackLinks, type LinkSettings } from './links.js';
import { visibleStatus } from './presentation.js';
import { readMemo, registeredStateOf } from './workflow-data.js';
import { isDependencyUnavailable, isNoAnswerInTime } from './dependency-calls.js';
import type { ServiceCalls } from './service-calls.js';

export interface CallbackStateReaderOptions {
  /** The Temporal client whose workflows hold the callbacks. */
  client: Client;
  /** The bounded calls every read goes through. */
  calls: ServiceCalls;
  /** Where a summary's links point. */
  links: LinkSettings;
  /** Clock, for a summary's visible status. */
  now: () => number;
}

export class CallbackStateReader {
  constructor(private readonly options: CallbackStateReaderOptions) {}

  /**
   * Interprets an update's failure: a validator's rejection becomes 409 CALLBACK_RUNNING, a
   * closed workflow yields its final status, an unknown one 404. Other errors propagate.
   */
  async closedStatus(app: string, uid: string, err: unknown): Promise<CallbackStatus> {
    if (err instanceof WorkflowUpdateFailedError && err.cause instanceof ApplicationFailure) {
      if (err.cause.type === CALLBACK_RUNNING) {
        throw new ServiceError('CALLBACK_RUNNING', 'an attempt of this callback is in flight; try again when it has finished');
      }
      if (err.cause.type === CALLBACK_FINISHED) {
        const details = err.cause.details?.[0] as { status?: CallbackStatus } | undefined;
        return details?.status ?? 'succeeded';
      }
    }
    if (err instanceof WorkflowNotFoundError || err instanceof WorkflowUpdateFailedError) {
      // Gone (unknown uid) or closed between our calls: its recorded outcome decides.
      return (await this.readState(app, uid)).state.status;
    }
    throw err;
  }

  async readState(app: string, uid: string): Promise<{ state: CallbackState; description: WorkflowExecutionDescription }> {
    const handle = this.handle(app, uid);
    const description = await this.describe(app, uid, handle);
    return { state: await this.stateOf(handle, description), description };
  }

  /** The state of the run `description` describes: queried, read from its start, or its outcome. */
  async stateOf(handle: WorkflowHandle, description: WorkflowExecutionDescription): Promise<CallbackState> {
    const { calls } = this.options;
    if (description.status.name === 'RUNNING') {
      // Before its trigger the workflow has not run (startDelay): nothing to query, it is as registered.
      if (description.historyLength <= 1) return (await calls.temporalCall(() => registeredStateOf(handle))).state;
      try {
        return await calls.workerCall(() => handle.query(stateQuery));
      } catch (err) {
        if (isDependencyUnavailable(err)) throw err;
        // Not run yet, but a signal was recorded meanwhile (it takes effect at the trigger time).
        const registered = await calls.temporalCall(() => registeredStateOf(handle));
        if (!registered.hasRun) return registered.state;
        throw err;
      }
    }
    return this.closedState(handle, description);
  }

  private async closedState(handle: WorkflowHandle, description: WorkflowExecutionDescription): Promise<CallbackState> {
    const { calls } = this.options;
    let reason: string | undefined;
    try {
      return (await calls.temporalCall(() => handle.result())) as CallbackState;
    } catch (err) {
      if (
        err instanceof WorkflowFailedError &&
        err.cause instanceof ApplicationFailure &&
        err.cause.type === CALLBACK_FAILED &&
        err.cause.details?.[0]
      ) {
        return err.cause.details[0] as CallbackState;
      }
      if (isDependencyUnavailable(err)) throw err;
      if (err instanceof WorkflowFailedError && err.cause instanceof TerminatedFailure) reason = err.cause.message;
    }
    // Ended from outside: what it had done by then, from a replay of its history (a query on a closed
    // run), or as its run started when no service worker answers.
    const known = await calls.workerCall(() => handle.query(stateQuery)).catch(async (err: unknown) => {
      if (isDependencyUnavailable(err) && !isNoAnswerInTime(err.cause)) throw err;
      return (await calls.temporalCall(() => registeredStateOf(handle))).state;
    });
    const completedAt = description.closeTime?.toISOString() ?? null;
    if (description.status.name === 'CANCELLED') {
      // Cancelled through Temporal (the Web UI's Cancel) in a way the workflow did not turn into a result.
      return { ...known, status: 'cancelled', nextAttemptAt: null, pendingAttempt: null, completedAt };
    }
    // Terminated (or timed out): it will never fire again. Not a cancel: a failure, with its reason.
    const message = description.status.name === 'TERMINATED' ? (reason ?? 'the workflow was terminated') : 'the workflow timed out';
    return { ...known, status: 'failed', lastError: { code: 'TERMINATED', message }, nextAttemptAt: null, pendingAttempt: null, completedAt };
  }

  summaryOfDescription(app: string, uid: string, description: WorkflowExecutionDescription): CallbackSummary {
    const memo = readMemo(description.memo);
    const attributes = description.typedSearchAttributes;
    const triggerAt = attributes.get(searchAttributes.triggerAt) ?? new Date(memo.triggerAt);
    const status = visibleStatus((attributes.get(searchAttributes.status) ?? 'scheduled') as CallbackStatus, triggerAt.getTime(), this.options.now());
    return {
      uid,
      app,
      alias: memo.alias,
      status,
      triggerAt: triggerAt.toISOString(),
      createdAt: memo.createdAt,
      links: callbackLinks(this.options.links, app, uid),
    };
  }

  async describe(app: string, uid: string, handle: WorkflowHandle): Promise<WorkflowExecutionDescription> {
    try {
      return await this.options.calls.temporalCall(() => handle.describe());
    } catch (err) {
      if (err instanceof WorkflowNotFoundError) throw callbackNotFound(app, uid);
      throw err;
    }
  }

  /** The handle of the callback's workflow (its latest run). */
  handle(app: string, uid: string): WorkflowHandle {
    return this.options.client.workflow.getHandle(callbackWorkflowId(app, uid));
  }
}
