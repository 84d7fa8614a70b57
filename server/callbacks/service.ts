/**
 * The callback use cases, independent of HTTP: register (idempotent), read,
 * cancel, reschedule, retry. State lives in Temporal; Redis only answers for
 * idempotency keys. Every call to a dependency is bounded in time (service-calls.ts);
 * reading a callback's state is callback-state-reader.ts.
 */
import { WorkflowNotFoundError, type Client } from '@temporalio/client';
import { WorkflowExecutionAlreadyStartedError } from '@temporalio/common';
import {
  WORKFLOW_VERSION,
  callbackWorkflowId,
  isFinalStatus,
  cancelUpdate,
  rescheduleUpdate,
  type CallbackState,
  type CallbackStatus,
  type DelayCallbackInput,
} from '../../workflows/contract.js';
import type { DispatchSettings } from '../config.js';
import { ServiceError, callbackNotFound, registrationNotStarted, registrationOutcomeUnknown } from '../errors.js';
import type { IdempotencyStore } from '../idempotency-store.js';
import type { CallbackDetail, CallbackSummary, RegisterBody, RescheduleBody } from '../../shared/schemas/callbacks.js';
import { callbackLinks, type LinkSettings } from './links.js';
import { presentState, waitingForWorker } from './presentation.js';
import { DEFAULT_DISPATCH, buildRegistration, resolveTriggerTime, type RegistrationLimits } from './registration.js';
import type { WebhookRegistrationPolicy } from './webhook-target.js';
import { readMemo, registeredStateOf } from './workflow-data.js';
import { boundedCall } from './dependency-calls.js';
import type { Admission } from '../admission/admission.js';
import { checkStartOutcome, isStartOutcomeUnknown } from './registration-outcome.js';
import { CallbackStateReader } from './callback-state-reader.js';
import { ServiceCalls } from './service-calls.js';
import { startCallbackWorkflow } from './start-workflow.js';

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
  private readonly calls: ServiceCalls;
  private readonly reader: CallbackStateReader;

  constructor(private readonly options: CallbackServiceOptions) {
    this.now = options.now ?? Date.now;
    const { client, dependencyTimeoutMs, admission, links } = options;
    this.calls = new ServiceCalls({ client, dependencyTimeoutMs, admission });
    this.reader = new CallbackStateReader({ client, calls: this.calls, links, now: this.now });
  }

  async register(app: string, body: RegisterBody, headerKey: string | undefined): Promise<RegisterResult> {
    const { input, idempotency } = buildRegistration(app, body, headerKey, this.options.limits, this.now(), this.options.webhooks, this.dispatch);
    // Before the key is claimed: args that break the alias's contract change nothing.
    await this.options.argsContracts?.check(app, input.alias, input.args);
    this.options.admission?.admit(Date.parse(input.triggerAt), this.now());
    let claimedHere = false;
    if (idempotency) {
      const claim = await this.calls.redisCall(() =>
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
      await this.calls.startCall(startDeadline, this.registrationTimeouts.startTimeoutMs, () =>
        startCallbackWorkflow(this.options.client, input, 'REJECT_DUPLICATE', this.now()),
      );
      this.options.onEvent?.({ type: 'registered', app, replayed: false });
      return { replayed: false, callback: this.summaryOf(input, 'scheduled') };
    } catch (err) {
      if (err instanceof WorkflowExecutionAlreadyStartedError && idempotency) {
        // Bounded like the start, so a replay under load is answered within the registration's bound too
        // (past it: 503, the key kept; the client's retry replays again).
        const timeoutMs = Math.min(this.registrationTimeouts.startTimeoutMs, this.options.dependencyTimeoutMs);
        const description = await boundedCall('temporal', timeoutMs + 250, () =>
          this.options.client.withDeadline(Date.now() + timeoutMs, () => this.reader.handle(app, input.uid).describe()),
        ).catch((describeError: unknown) => {
          throw describeError instanceof WorkflowNotFoundError ? callbackNotFound(app, input.uid) : describeError;
        });
        this.options.onEvent?.({ type: 'registered', app, replayed: true });
        return { replayed: true, callback: this.reader.summaryOfDescription(app, input.uid, description) };
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
    return { replayed, callback: this.reader.summaryOfDescription(app, input.uid, outcome.description) };
  }

  async get(app: string, uid: string): Promise<CallbackDetail> {
    const { state, description } = await this.reader.readState(app, uid);
    return this.detailOf(state, waitingForWorker(description, this.now()));
  }

  async cancel(app: string, uid: string): Promise<{ uid: string; status: 'cancelled' }> {
    const handle = this.reader.handle(app, uid);
    try {
      await this.calls.updateCall(handle, () => handle.executeUpdate(cancelUpdate, { args: [{ reason: 'cancelled through the API' }] }));
    } catch (err) {
      const status = await this.reader.closedStatus(app, uid, err);
      if (status !== 'cancelled') throw finishedError(status, err);
    }
    this.options.onEvent?.({ type: 'cancelled', app });
    return { uid, status: 'cancelled' };
  }

  async reschedule(app: string, uid: string, body: RescheduleBody): Promise<CallbackDetail> {
    const at = resolveTriggerTime(body, this.options.limits, this.now());
    const handle = this.reader.handle(app, uid);
    let state: CallbackState;
    try {
      state = await this.calls.updateCall(handle, () =>
        handle.executeUpdate(rescheduleUpdate, { args: [{ triggerAt: new Date(at).toISOString() }] }),
      );
    } catch (err) {
      throw finishedError(await this.reader.closedStatus(app, uid, err), err);
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
    const handle = this.reader.handle(app, uid);
    const description = await this.reader.describe(app, uid, handle);
    if (!['FAILED', 'TERMINATED', 'TIMED_OUT'].includes(description.status.name)) {
      const state = presentState(await this.reader.stateOf(handle, description), this.now());
      throw new ServiceError('CALLBACK_NOT_FAILED', `only a failed callback can be retried; this one is ${state.status}`, [
        { status: state.status },
      ]);
    }
    const { input } = await this.calls.temporalCall(() => registeredStateOf(handle));
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
      await this.calls.temporalCall(() => startCallbackWorkflow(this.options.client, fresh, 'ALLOW_DUPLICATE_FAILED_ONLY', this.now()));
    } catch (err) {
      // A racing redrive started the new run first: this one is answered with it.
      if (!(err instanceof WorkflowExecutionAlreadyStartedError)) throw err;
    }
    this.options.onEvent?.({ type: 'redriven', app });
    const { state, description: current } = await this.reader.readState(app, uid);
    return this.detailOf(state, waitingForWorker(current, this.now()));
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

  /** A Temporal call bounded like every other one of this service (for the visibility queries). */
  temporalCall<T>(call: () => Promise<T>): Promise<T> {
    return this.calls.temporalCall(call);
  }
}

/** 409 for a callback past its waiting states; anything else is not a conflict, so `cause` goes on. */
function finishedError(status: CallbackStatus, cause: unknown): unknown {
  if (status === 'running') return new ServiceError('CALLBACK_RUNNING', 'an attempt of this callback is in flight');
  if (!isFinalStatus(status)) return cause;
  return new ServiceError('CALLBACK_FINISHED', `the callback has already ${status === 'cancelled' ? 'been cancelled' : status}`, [
    { status },
  ]);
}
