/**
 * The callback use cases, independent of HTTP: register (idempotent), read,
 * cancel, reschedule. State lives in Temporal; Redis only answers for
 * idempotency keys. Every call to a dependency is bounded in time.
 */
import {
  WorkflowFailedError,
  WorkflowNotFoundError,
  WorkflowUpdateFailedError,
  type Client,
  type WorkflowExecutionDescription,
  type WorkflowHandle,
} from '@temporalio/client';
import { ApplicationFailure, TerminatedFailure, WorkflowExecutionAlreadyStartedError } from '@temporalio/common';
import {
  CALLBACK_FAILED,
  CALLBACK_FINISHED,
  CALLBACK_RUNNING,
  SERVICE_TASK_QUEUE,
  WORKFLOW_TYPE,
  WORKFLOW_VERSION,
  callbackWorkflowId,
  isFinalStatus,
  cancelUpdate,
  rescheduleUpdate,
  searchAttributes,
  stateQuery,
  type CallbackState,
  type CallbackStatus,
  type DelayCallbackInput,
} from '../../workflows/contract.js';
import type { DispatchSettings } from '../config.js';
import { ServiceError, callbackNotFound, dependencyUnavailable, registrationNotStarted, registrationOutcomeUnknown } from '../errors.js';
import type { IdempotencyStore } from '../idempotency-store.js';
import type { CallbackDetail, CallbackSummary, RegisterBody, RescheduleBody } from '../../shared/schemas/callbacks.js';
import { callbackLinks, type LinkSettings } from './links.js';
import { presentState, visibleStatus, waitingForWorker } from './presentation.js';
import { DEFAULT_DISPATCH, buildRegistration, resolveTriggerTime, type RegistrationLimits } from './registration.js';
import type { WebhookRegistrationPolicy } from './webhook-target.js';
import { memoOf, readMemo, registeredStateOf } from './workflow-data.js';
import { PendingWorkflowTaskState } from '../temporal/enums.js';
import { boundedCall, isDependencyUnavailable, isNoAnswerInTime } from './dependency-calls.js';
import type { Admission } from '../admission/admission.js';
import { DEADLINE_MARGIN_MS, checkStartOutcome, isStartOutcomeUnknown } from './registration-outcome.js';

export interface CallbackServiceOptions {
  client: Client;
  idempotency: IdempotencyStore;
  links: LinkSettings;
  limits: RegistrationLimits;
  /** Signing secrets and target policy for registrations with a `webhook`; without it they answer WEBHOOK_SECRET_MISSING. */
  webhooks?: WebhookRegistrationPolicy;
  /** Bound on each dependency call. */
  dependencyTimeoutMs: number;
  /** Bounds of a registration's start and of finding out its outcome (docs/overload.md). */
  registration?: RegistrationTimeouts;
  /** Admission control of registrations; none: every registration goes to Temporal. */
  admission?: Admission;
  /** Pre-dispatch lead and worker-loss redeliveries written into each registration. @default no lead, 3 redeliveries */
  dispatch?: DispatchSettings;
  /** Clock, for tests. @default Date.now */
  now?: () => number;
  /** Checks args against the alias's declared schema (throws 400 ARGS_INVALID); none: no check. */
  argsContracts?: { check(app: string, alias: string, args: unknown): Promise<void> };
  /** Called on each outcome, for metrics. */
  onEvent?: (event: CallbackEvent) => void;
}

export type CallbackEvent =
  | { type: 'registered'; app: string; replayed: boolean }
  | { type: 'cancelled'; app: string }
  | { type: 'rescheduled'; app: string }
  | { type: 'redriven'; app: string }
  /** A start Temporal did not answer, and what asking afterwards found. */
  | { type: 'start-outcome-checked'; app: string; outcome: 'exists' | 'absent' | 'unknown' };

export interface RegistrationTimeouts {
  /** Bound on the start, its wait in the admission queue included (at most dependencyTimeoutMs). @default 900 */
  startTimeoutMs: number;
  /** Wait after the start's deadline before asking whether it landed. @default 200 */
  outcomeGraceMs: number;
  /** Bound on asking. @default 400 */
  outcomeCheckTimeoutMs: number;
}

const DEFAULT_REGISTRATION_TIMEOUTS: RegistrationTimeouts = { startTimeoutMs: 900, outcomeGraceMs: 200, outcomeCheckTimeoutMs: 400 };

export interface RegisterResult {
  replayed: boolean;
  callback: CallbackSummary;
}

export class CallbackService {
  private readonly now: () => number;

  constructor(private readonly options: CallbackServiceOptions) {
    this.now = options.now ?? Date.now;
  }

  async register(app: string, body: RegisterBody, headerKey: string | undefined): Promise<RegisterResult> {
    const { input, idempotency } = buildRegistration(app, body, headerKey, this.options.limits, this.now(), this.options.webhooks, this.dispatch);
    // Before the key is claimed: args that break the alias's contract change nothing.
    await this.options.argsContracts?.check(app, input.alias, input.args);
    this.options.admission?.admit(Date.parse(input.triggerAt), this.now());
    let claimedHere = false;
    if (idempotency) {
      const claim = await this.redisCall(() =>
        this.options.idempotency.claim(app, idempotency.key, idempotency.fingerprint, input.uid),
      );
      if (claim.outcome === 'different-request') {
        throw new ServiceError(
          'IDEMPOTENCY_KEY_REUSED',
          'this idempotency key was already used with a different request body; nothing was registered',
          [{ uid: claim.uid }],
        );
      }
      claimedHere = claim.outcome === 'claimed';
    }

    const startDeadline = { at: Number.POSITIVE_INFINITY };
    try {
      // A uid is never reused, even after its workflow closed: a retried keyed request finds the
      // existing callback ("already started") instead of registering it twice.
      await this.startCall(startDeadline, () => this.startWorkflow(input, 'REJECT_DUPLICATE'));
      this.options.onEvent?.({ type: 'registered', app, replayed: false });
      return { replayed: false, callback: this.summaryOf(input, 'scheduled') };
    } catch (err) {
      if (err instanceof WorkflowExecutionAlreadyStartedError && idempotency) {
        // Bounded like the start, so a replay under load is answered within the registration's bound too
        // (past it: 503, the key kept; the client's retry replays again).
        const timeoutMs = Math.min(this.registrationTimeouts.startTimeoutMs, this.options.dependencyTimeoutMs);
        const description = await boundedCall('temporal', timeoutMs + 250, () =>
          this.options.client.withDeadline(Date.now() + timeoutMs, () => this.handle(app, input.uid).describe()),
        ).catch((describeError: unknown) => {
          throw describeError instanceof WorkflowNotFoundError ? callbackNotFound(app, input.uid) : describeError;
        });
        this.options.onEvent?.({ type: 'registered', app, replayed: true });
        return { replayed: true, callback: this.summaryOfDescription(app, input.uid, description) };
      }
      let failure = err;
      if (startDeadline.at !== Number.POSITIVE_INFINITY && isStartOutcomeUnknown(err)) {
        const known = await this.startOutcome(input, startDeadline.at);
        if (known) return known;
        // It does not exist: a definite "not registered", so the key is released below.
        failure = registrationNotStarted(err);
      }
      if (claimedHere && idempotency && !(failure instanceof WorkflowExecutionAlreadyStartedError)) {
        // Not registered: free the key so the client may retry it with any body. Best effort; the
        // deterministic uid keeps a retry with the same body safe either way.
        await this.options.idempotency.release(app, idempotency.key, idempotency.fingerprint, input.uid).catch(() => undefined);
      }
      throw failure;
    }
  }

  /**
   * After a start Temporal did not answer: the registration as it stands if its workflow exists
   * (201, or 200 when an earlier request with the same key created it), undefined when it does
   * not, and 503 REGISTRATION_OUTCOME_UNKNOWN (key kept) when Temporal cannot be asked either.
   */
  private async startOutcome(input: DelayCallbackInput, startDeadline: number): Promise<RegisterResult | undefined> {
    const timeouts = this.registrationTimeouts;
    const outcome = await checkStartOutcome(this.options.client, callbackWorkflowId(input.app, input.uid), startDeadline, {
      graceMs: timeouts.outcomeGraceMs,
      timeoutMs: timeouts.outcomeCheckTimeoutMs,
    });
    const app = input.app;
    this.options.onEvent?.({ type: 'start-outcome-checked', app, outcome: outcome.exists === 'unknown' ? 'unknown' : outcome.exists ? 'exists' : 'absent' });
    if (outcome.exists === 'unknown') throw registrationOutcomeUnknown(input.uid, outcome.cause, 5);
    if (!outcome.exists) return undefined;
    // Ours if it carries this request's creation time; otherwise an earlier request with the same key made it.
    const replayed = readMemo(outcome.description.memo).createdAt !== input.createdAt;
    this.options.onEvent?.({ type: 'registered', app, replayed });
    return { replayed, callback: this.summaryOfDescription(app, input.uid, outcome.description) };
  }

  async get(app: string, uid: string): Promise<CallbackDetail> {
    const { state, description } = await this.readState(app, uid);
    return this.detailOf(state, waitingForWorker(description, this.now()));
  }

  async cancel(app: string, uid: string): Promise<{ uid: string; status: 'cancelled' }> {
    const handle = this.handle(app, uid);
    try {
      await this.updateCall(handle, () => handle.executeUpdate(cancelUpdate, { args: [{ reason: 'cancelled through the API' }] }));
    } catch (err) {
      const status = await this.closedStatus(app, uid, err);
      if (status !== 'cancelled') throw finishedError(status, err);
    }
    this.options.onEvent?.({ type: 'cancelled', app });
    return { uid, status: 'cancelled' };
  }

  async reschedule(app: string, uid: string, body: RescheduleBody): Promise<CallbackDetail> {
    const at = resolveTriggerTime(body, this.options.limits, this.now());
    const handle = this.handle(app, uid);
    let state: CallbackState;
    try {
      state = await this.updateCall(handle, () =>
        handle.executeUpdate(rescheduleUpdate, { args: [{ triggerAt: new Date(at).toISOString() }] }),
      );
    } catch (err) {
      throw finishedError(await this.closedStatus(app, uid, err), err);
    }
    this.options.onEvent?.({ type: 'rescheduled', app });
    // Rescheduled: it waits again, so no attempt of it is queued.
    return this.detailOf(state, false);
  }

  /**
   * Redrive: a failed callback runs again now, with its original args and strategy, under the same
   * uid: a new run of its workflow (Temporal's id reuse policy allows one after a failed or
   * terminated run only), started afresh from the registration, whatever runs the failed one
   * continued as new through. The failed runs stay in Temporal. Two racing redrives start one run.
   */
  async retry(app: string, uid: string): Promise<CallbackDetail> {
    const handle = this.handle(app, uid);
    const description = await this.describe(app, uid, handle);
    if (!['FAILED', 'TERMINATED', 'TIMED_OUT'].includes(description.status.name)) {
      const state = presentState(await this.stateOf(handle, description), this.now());
      throw new ServiceError('CALLBACK_NOT_FAILED', `only a failed callback can be retried; this one is ${state.status}`, [
        { status: state.status },
      ]);
    }
    const { input } = await this.temporalCall(() => registeredStateOf(handle));
    const { continued: _progress, ...registration } = input;
    const now = this.now();
    const fresh: DelayCallbackInput = {
      ...registration,
      triggerAt: new Date(now).toISOString(),
      version: WORKFLOW_VERSION,
      dispatchLeadMs: registration.webhook === undefined ? this.dispatch.leadMs : 0,
      workerLossRedeliveries: this.dispatch.workerLossRedeliveries,
    };
    try {
      await this.temporalCall(() => this.startWorkflow(fresh, 'ALLOW_DUPLICATE_FAILED_ONLY'));
    } catch (err) {
      // A racing redrive started the new run first: this one is answered with it.
      if (!(err instanceof WorkflowExecutionAlreadyStartedError)) throw err;
    }
    this.options.onEvent?.({ type: 'redriven', app });
    const { state, description: current } = await this.readState(app, uid);
    return this.detailOf(state, waitingForWorker(current, this.now()));
  }

  /** Starts a callback's workflow with Temporal holding its first task until the dispatch time. */
  private startWorkflow(input: DelayCallbackInput, reuse: 'REJECT_DUPLICATE' | 'ALLOW_DUPLICATE_FAILED_ONLY'): Promise<WorkflowHandle> {
    return this.options.client.workflow.start(WORKFLOW_TYPE, {
      taskQueue: SERVICE_TASK_QUEUE,
      workflowId: callbackWorkflowId(input.app, input.uid),
      args: [input],
      workflowIdReusePolicy: reuse,
      workflowIdConflictPolicy: 'FAIL',
      typedSearchAttributes: [
        { key: searchAttributes.app, value: input.app },
        { key: searchAttributes.alias, value: input.alias },
        { key: searchAttributes.status, value: 'scheduled' },
        { key: searchAttributes.triggerAt, value: new Date(input.triggerAt) },
      ],
      memo: memoOf(input),
      staticSummary: summaryLine(input),
      // Temporal holds the workflow's first task until the attempt's dispatch time (the trigger minus
      // the pre-dispatch lead): no timer and no task to run now, so a registration costs one write, and
      // the fire does not inherit this moment's worker latency. An update (cancel, reschedule) or a
      // cancellation request starts it early.
      startDelay: delayUntil(input.triggerAt, this.now(), input.dispatchLeadMs ?? 0),
    });
  }

  /**
   * Interprets an update's failure: a validator's rejection becomes 409 CALLBACK_RUNNING, a
   * closed workflow yields its final status, an unknown one 404. Other errors propagate.
   */
  private async closedStatus(app: string, uid: string, err: unknown): Promise<CallbackStatus> {
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

  private async readState(app: string, uid: string): Promise<{ state: CallbackState; description: WorkflowExecutionDescription }> {
    const handle = this.handle(app, uid);
    const description = await this.describe(app, uid, handle);
    return { state: await this.stateOf(handle, description), description };
  }

  /** The state of the run `description` describes: queried, read from its start, or its outcome. */
  private async stateOf(handle: WorkflowHandle, description: WorkflowExecutionDescription): Promise<CallbackState> {
    if (description.status.name === 'RUNNING') {
      // Before its trigger the workflow has not run (startDelay): nothing to query, it is as registered.
      if (description.historyLength <= 1) return (await this.temporalCall(() => registeredStateOf(handle))).state;
      try {
        return await this.workerCall(() => handle.query(stateQuery));
      } catch (err) {
        if (isDependencyUnavailable(err)) throw err;
        // Not run yet, but a signal was recorded meanwhile (it takes effect at the trigger time).
        const registered = await this.temporalCall(() => registeredStateOf(handle));
        if (!registered.hasRun) return registered.state;
        throw err;
      }
    }
    return this.closedState(handle, description);
  }

  private async closedState(handle: WorkflowHandle, description: WorkflowExecutionDescription): Promise<CallbackState> {
    let reason: string | undefined;
    try {
      return (await this.temporalCall(() => handle.result())) as CallbackState;
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
    const known = await this.workerCall(() => handle.query(stateQuery)).catch(async (err: unknown) => {
      if (isDependencyUnavailable(err) && !isNoAnswerInTime(err.cause)) throw err;
      return (await this.temporalCall(() => registeredStateOf(handle))).state;
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

  private summaryOfDescription(app: string, uid: string, description: WorkflowExecutionDescription): CallbackSummary {
    const memo = readMemo(description.memo);
    const attributes = description.typedSearchAttributes;
    const triggerAt = attributes.get(searchAttributes.triggerAt) ?? new Date(memo.triggerAt);
    const status = visibleStatus((attributes.get(searchAttributes.status) ?? 'scheduled') as CallbackStatus, triggerAt.getTime(), this.now());
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

  private async describe(app: string, uid: string, handle: WorkflowHandle): Promise<WorkflowExecutionDescription> {
    try {
      return await this.temporalCall(() => handle.describe());
    } catch (err) {
      if (err instanceof WorkflowNotFoundError) throw callbackNotFound(app, uid);
      throw err;
    }
  }

  private handle(app: string, uid: string): WorkflowHandle {
    return this.options.client.workflow.getHandle(callbackWorkflowId(app, uid));
  }

  private summaryOf(input: DelayCallbackInput, status: CallbackStatus): CallbackSummary {
    return {
      uid: input.uid,
      app: input.app,
      alias: input.alias,
      status,
      triggerAt: input.triggerAt,
      createdAt: input.createdAt,
      links: callbackLinks(this.options.links, input.app, input.uid),
    };
  }

  /** The Read representation at this moment (links name no run: continue-as-new and redrive start new ones). */
  private detailOf(state: CallbackState, waiting: boolean): CallbackDetail {
    return { ...presentState(state, this.now()), waitingForWorker: waiting, links: callbackLinks(this.options.links, state.app, state.uid) };
  }

  private get dispatch(): DispatchSettings {
    return this.options.dispatch ?? DEFAULT_DISPATCH;
  }

  private get registrationTimeouts(): RegistrationTimeouts {
    return this.options.registration ?? DEFAULT_REGISTRATION_TIMEOUTS;
  }

  /**
   * A registration's start: through admission control, bounded by the registration's own (short)
   * timeout, counted from before the queue so that a wait there shortens the start rather than the
   * answer coming later; `deadline.at` records the gRPC deadline once the start has left the queue.
   */
  private startCall<T>(deadline: { at: number }, call: () => Promise<T>): Promise<T> {
    const deadlineAt = Date.now() + Math.min(this.registrationTimeouts.startTimeoutMs, this.options.dependencyTimeoutMs);
    const bounded = (): Promise<T> => {
      deadline.at = deadlineAt;
      return boundedCall('temporal', Math.max(0, deadlineAt - Date.now()) + DEADLINE_MARGIN_MS, () => this.options.client.withDeadline(deadlineAt, call));
    };
    return this.options.admission ? this.options.admission.start(bounded) : bounded();
  }

  /** A Temporal call bounded like every other one of this service (for the visibility queries). */
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
  private async workerCall<T>(call: () => Promise<T>): Promise<T> {
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
  private async updateCall<T>(handle: WorkflowHandle, call: () => Promise<T>): Promise<T> {
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

  private redisCall<T>(call: () => Promise<T>): Promise<T> {
    return boundedCall('redis', this.options.dependencyTimeoutMs, call);
  }
}

/** The Web UI's one-line summary: what, whose, when, and a webhook's host (never its path or headers). */
function summaryLine(input: DelayCallbackInput): string {
  const target = input.webhook ? `, webhook to ${new URL(input.webhook.url).host}` : '';
  return `${input.alias} of ${input.app}, due ${input.triggerAt}${target}`;
}

/** Milliseconds until `lead` before `triggerAt`, or undefined when that moment has come (no delay). */
function delayUntil(triggerAt: string, now: number, lead: number): number | undefined {
  const ms = Date.parse(triggerAt) - lead - now;
  return ms > 0 ? ms : undefined;
}

/** 409 for a callback past its waiting states; anything else is not a conflict, so `cause` goes on. */
function finishedError(status: CallbackStatus, cause: unknown): unknown {
  if (status === 'running') return new ServiceError('CALLBACK_RUNNING', 'an attempt of this callback is in flight');
  if (!isFinalStatus(status)) return cause;
  return new ServiceError('CALLBACK_FINISHED', `the callback has already ${status === 'cancelled' ? 'been cancelled' : status}`, [
    { status },
  ]);
}
