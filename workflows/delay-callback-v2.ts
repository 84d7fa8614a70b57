/**
 * Version 2 of `delayCallback` (inputs with `version: 2`; see delay-callback.ts):
 *
 * - Waits (Temporal's start delay, then durable timers) until `dispatchLeadMs`
 *   before the due time, then dispatches the attempt carrying the exact due time;
 *   the app's worker holds it and starts the handler on the due millisecond of its
 *   own clock (workflows/attempt.ts, docs/activity-contract.md).
 * - Business attempts (the retry strategy) are driven here, with a durable wait
 *   between them: exact backoff, `retrying`, `nextAttemptAt`, cancel and
 *   reschedule while waiting. Temporal's activity retries only redeliver an
 *   attempt whose worker was lost, `workerLossRedeliveries` times at most.
 * - Cancel and reschedule while an attempt is dispatched ask it to stand down and
 *   answer once the outcome is known: done if its handler had not started,
 *   CALLBACK_RUNNING if it had.
 * - Continues as new at safe points (waiting, no update running) before the
 *   history grows too long, carrying the whole state.
 * - A webhook callback (`input.webhook`) is delivered by the service worker
 *   itself: each attempt is `runWebhookAttempt` (a local activity, so a callback
 *   that fires, delivers and completes costs one workflow task), at the due time,
 *   with no pre-dispatch; it cannot be stood down, so cancel and reschedule while
 *   it runs answer as for a running handler. 410 fails the callback at once; a
 *   429/503 Retry-After pushes the next attempt back (within the strategy's cap).
 */
import {
  ApplicationFailure,
  CancellationScope,
  allHandlersFinished,
  condition,
  continueAsNew,
  isCancellation,
  proxySinks,
  setHandler,
  upsertSearchAttributes,
} from '@temporalio/workflow';
import { AttemptDispatch, attemptActivity, attemptSettings, type DispatchOutcome } from './attempt.js';
import { RunBudget } from './continue-as-new.js';
import {
  ATTEMPT_HISTORY_LIMIT,
  CALLBACK_FAILED,
  CALLBACK_FINISHED,
  CALLBACK_RUNNING,
  attemptStartedSignal,
  cancelSignal,
  cancelUpdate,
  registeredState,
  rescheduleUpdate,
  searchAttributes,
  stateQuery,
  type CallbackSinks,
  type CallbackState,
  type CallbackStatus,
  type AttemptRequest,
  type DelayCallbackInput,
} from './contract.js';
import { delayBeforeRetrySeconds } from './retry-schedule.js';
import { nextWebhookAttemptAt, runWebhookAttempt } from './webhook-attempt.js';

const { callbackMetrics } = proxySinks<CallbackSinks>();

/** Dispatch this close to the planned moment at once instead of starting a timer (the worker waits anyway). */
const DISPATCH_SLACK_MS = 50;

const nowIso = (): string => new Date(Date.now()).toISOString();

export async function delayCallbackV2(input: DelayCallbackInput): Promise<CallbackState> {
  const settings = attemptSettings(input);
  const invokeCallback = attemptActivity(input.app, settings);
  const { webhook } = input;
  const state: CallbackState = registeredState(input);
  /** When the current wait (for the trigger or the next retry) ends: the next attempt's due time, epoch ms. */
  let wakeAt = input.continued?.wakeAt ?? Date.parse(input.triggerAt);
  /** The CallbackStatus search attribute as last written (set at start by the facade). */
  let publishedStatus: CallbackStatus = input.continued?.publishedStatus ?? 'scheduled';
  /** An operator's cancel signal arrived while a handler ran: no further retries. */
  let stopRetrying = false;
  /** The attempt dispatched to the app's worker, while its outcome is awaited. */
  let inFlight: AttemptDispatch | undefined;
  const budget = new RunBudget();
  const continueAsNewDue = (): boolean => budget.continueAsNewDue();
  /**
   * Waits for every running update to answer; not cancellable, so it works in a cancelled workflow too.
   * Nearly always none is running: answered at once then, without the scope and the condition (each
   * workflow promise costs the SDK a captured stack trace; this was a twentieth of a callback's
   * workflow-thread CPU, npm run bench with --cpu-prof).
   */
  const handlersFinished = async (): Promise<void> => {
    if (allHandlersFinished()) return;
    await CancellationScope.nonCancellable(() => condition(allHandlersFinished));
  };

  const isWaiting = (): boolean => state.status === 'scheduled' || state.status === 'retrying';

  /** Keeps the search attribute current, writing only real changes. */
  function publish(status: CallbackStatus): void {
    if (publishedStatus === status) return;
    publishedStatus = status;
    upsertSearchAttributes([{ key: searchAttributes.status, value: status }]);
  }

  function setStatus(status: CallbackStatus): void {
    state.status = status;
    publish(status);
  }

  function cancel(): void {
    state.status = 'cancelled';
    state.nextAttemptAt = null;
    state.completedAt = nowIso();
  }

  /** Moves the wait: the trigger before the first attempt, the next attempt's time after a failed one. */
  function moveWake(at: number): void {
    wakeAt = at;
    const iso = new Date(at).toISOString();
    if (state.status === 'scheduled') {
      state.triggerAt = iso;
      upsertSearchAttributes([{ key: searchAttributes.triggerAt, value: new Date(at) }]);
    } else {
      state.nextAttemptAt = iso;
    }
  }

  const running = (): ApplicationFailure =>
    ApplicationFailure.nonRetryable('an attempt of this callback is in flight', CALLBACK_RUNNING);
  const finished = (status: CallbackStatus): ApplicationFailure =>
    ApplicationFailure.nonRetryable(`the callback has already ${status}`, CALLBACK_FINISHED, { status });

  /** An update may go on while waiting, or while a dispatched attempt's handler is not known to have started. */
  function assertChangeable(allowCancelled: boolean): void {
    if (inFlight) {
      if (inFlight.handlerStarted) throw running();
      return;
    }
    if (isWaiting() || (allowCancelled && state.status === 'cancelled')) return;
    throw finished(state.status);
  }

  /** Asks the attempt in flight to stand down; resolves true if it did, false if its handler had started. */
  async function standDown(dispatch: AttemptDispatch): Promise<boolean> {
    dispatch.requestStandDown();
    await condition(() => dispatch.settled || dispatch.handlerStarted);
    return dispatch.stoodDown;
  }

  setHandler(stateQuery, () => state);
  setHandler(cancelSignal, () => {
    if (inFlight) {
      if (inFlight.handlerStarted) stopRetrying = true;
      else {
        inFlight.intent.cancelBySignal = true;
        inFlight.requestStandDown();
      }
    } else if (isWaiting()) cancel();
  });
  setHandler(attemptStartedSignal, ({ attempt }) => {
    if (inFlight?.attempt !== attempt) return;
    inFlight.handlerStarted = true;
    if (state.pendingAttempt) state.pendingAttempt.handlerStarted = true;
  });
  setHandler(
    cancelUpdate,
    async (_request) => {
      budget.countUpdate();
      const dispatch = inFlight;
      if (!dispatch) {
        assertChangeable(true);
        if (isWaiting()) cancel();
        return state;
      }
      dispatch.intent.cancel = true;
      if (!(await standDown(dispatch))) throw running();
      return state;
    },
    { validator: (_request) => assertChangeable(true) },
  );
  setHandler(
    rescheduleUpdate,
    async ({ triggerAt }) => {
      budget.countUpdate();
      const at = Date.parse(triggerAt);
      const dispatch = inFlight;
      if (!dispatch) {
        assertChangeable(false);
        moveWake(at);
        return state;
      }
      dispatch.intent.rescheduleTo = at;
      if (!(await standDown(dispatch))) throw running();
      // A cancel asked in the same window wins over the reschedule.
      if (state.status === 'cancelled') throw finished('cancelled');
      return state;
    },
    {
      validator: ({ triggerAt }) => {
        assertChangeable(false);
        if (!Number.isFinite(Date.parse(triggerAt))) {
          throw ApplicationFailure.nonRetryable(`triggerAt "${triggerAt}" is not a time`, 'INVALID_TRIGGER_AT');
        }
      },
    },
  );

  /**
   * Waits until the attempt is to be dispatched (`dispatchLeadMs` before `wakeAt`), following
   * reschedules; returns early when cancelled. While waiting is the one safe point to continue as new.
   */
  async function waitForDispatch(): Promise<void> {
    while (isWaiting()) {
      if (continueAsNewDue()) await continueAsNewHere();
      if (!isWaiting()) return;
      const target = wakeAt;
      const remaining = target - settings.leadMs - Date.now();
      if (remaining <= DISPATCH_SLACK_MS) return;
      // Written only when it really waits: a retry dispatched at once stays `running` in visibility.
      publish(state.status);
      try {
        await condition(() => wakeAt !== target || !isWaiting() || continueAsNewDue(), remaining);
      } catch (err) {
        // A cancellation request from the Web UI or `temporal workflow cancel` while waiting.
        if (isCancellation(err)) cancel();
        else throw err;
      }
    }
  }

  /** Hands the whole state to a new run of this workflow (same id), once no update is running. */
  async function continueAsNewHere(): Promise<void> {
    await handlersFinished();
    if (!isWaiting()) return;
    // The args travel once, in the input, as does a webhook's target (its header values still sealed);
    // search attributes and memo are copied by Temporal.
    await continueAsNew<typeof delayCallbackV2>({
      ...input,
      continued: { state: { ...state, args: undefined, pendingAttempt: null }, wakeAt, publishedStatus },
    });
  }

  /** Dispatches attempt `attempt` due at `dueAt` and applies what a stand-down asked for. */
  async function dispatchAttempt(attempt: number, dueAt: number): Promise<DispatchOutcome> {
    const dispatch = new AttemptDispatch(attempt, dueAt);
    inFlight = dispatch;
    state.pendingAttempt = { attempt, dueAt: new Date(dueAt).toISOString(), handlerStarted: webhook !== undefined };
    // The first attempt writes no status: visibility tells `running` from `scheduled` by the trigger time.
    if (attempt > 1) publish('running');
    const request: AttemptRequest = {
      app: state.app,
      uid: state.uid,
      alias: state.alias,
      args: state.args,
      attempt,
      triggerAt: state.triggerAt,
      firedAt: state.firedAt,
      attemptTimeoutSeconds: state.attemptTimeoutSeconds,
    };
    const outcome = webhook
      ? await dispatch.runWebhook(() => runWebhookAttempt({ ...request, webhook, dueAt: new Date(dueAt).toISOString() }))
      : await dispatch.run(() => invokeCallback({ ...request, dueAt }));
    inFlight = undefined;
    state.pendingAttempt = null;
    if (outcome.kind === 'stood-down') {
      dispatch.stoodDown = true;
      const { intent } = dispatch;
      if (intent.cancel || intent.cancelBySignal || CancellationScope.current().consideredCancelled) cancel();
      else if (intent.rescheduleTo !== undefined) moveWake(intent.rescheduleTo);
    } else if (dispatch.intent.cancelBySignal) {
      stopRetrying = true;
    }
    dispatch.settled = true;
    return outcome;
  }

  function recordAttempt(attempt: number, outcome: Extract<DispatchOutcome, { kind: 'made' }>): void {
    state.attempts = attempt;
    if (attempt === 1) {
      state.firedAt = outcome.startedAt;
      state.latenessMs = Math.max(0, Date.parse(outcome.startedAt) - Date.parse(state.triggerAt));
      callbackMetrics.fired(state.app, state.latenessMs);
    }
    const http = outcome.webhook ? { httpStatus: outcome.webhook.httpStatus, durationMs: outcome.webhook.durationMs } : {};
    state.attemptHistory.push({ attempt, startedAt: outcome.startedAt, finishedAt: nowIso(), error: outcome.error, ...http });
    if (state.attemptHistory.length > ATTEMPT_HISTORY_LIMIT) state.attemptHistory.shift();
    callbackMetrics.attemptFinished(state.app, outcome.error?.code ?? 'succeeded');
  }

  /** Ends the run in `status`, once every running update has answered (later ones see the final status). */
  async function finish(status: CallbackStatus): Promise<void> {
    state.completedAt ??= nowIso();
    state.nextAttemptAt = null;
    setStatus(status);
    callbackMetrics.finished(state.app, status);
    await handlersFinished();
  }

  for (;;) {
    await waitForDispatch();
    if (!isWaiting()) break;
    const attempt = state.attempts + 1;
    const outcome = await dispatchAttempt(attempt, wakeAt);
    // Stood down: cancelled, or waiting again (rescheduled). Cut by a lost worker: the same attempt again.
    if (outcome.kind !== 'made') continue;
    recordAttempt(attempt, outcome);
    if (!outcome.error) {
      state.result = outcome.result ?? null;
      await finish('succeeded');
      return state;
    }
    state.lastError = outcome.error;
    if (stopRetrying || CancellationScope.current().consideredCancelled) break;
    if (attempt >= state.retry.maxAttempts || outcome.webhook?.final) {
      await finish('failed');
      throw ApplicationFailure.create({
        type: CALLBACK_FAILED,
        nonRetryable: true,
        message: `callback failed after ${attempt} attempt(s): ${outcome.error.code}: ${outcome.error.message}`,
        details: [state],
      });
    }
    const now = Date.now();
    wakeAt = nextWebhookAttemptAt(now + delayBeforeRetrySeconds(state.retry, attempt) * 1000, outcome.webhook?.retryNotBefore ?? null, now, state.retry);
    state.nextAttemptAt = new Date(wakeAt).toISOString();
    state.status = 'retrying'; // published by waitForDispatch if it waits
  }
  if (state.status !== 'cancelled') cancel();
  await finish('cancelled');
  return state;
}
