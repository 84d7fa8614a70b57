/**
 * The `delayCallback` workflow as it was before input version 2 (frozen: it must
 * behave exactly as the code that recorded test/histories/v1/, because callbacks
 * started by it may sleep for years). `delayCallback` runs it for every input
 * without a `version`. Never change what it does; see docs/workflow-changes.md.
 *
 * `delayCallback`: one registration, one workflow.
 *
 * Sleeps on a durable timer until the trigger time, then runs the callback
 * activity on the application's task queue. Business attempts (the callback's
 * retry strategy) are driven here, with a durable sleep between them, so the
 * exact backoff formulas, the `retrying` status, `nextAttemptAt` and
 * cancellation during a retry wait are all plain workflow state. Temporal's own
 * activity retries only cover infrastructure failures (a worker that died
 * mid-attempt) and never consume an attempt.
 */
import {
  ActivityFailure,
  ApplicationFailure,
  CancellationScope,
  TimeoutFailure,
  condition,
  isCancellation,
  proxyActivities,
  proxySinks,
  setHandler,
  upsertSearchAttributes,
} from '@temporalio/workflow';
import {
  ATTEMPT_HISTORY_LIMIT,
  CALLBACK_FAILED,
  CALLBACK_FINISHED,
  CALLBACK_RUNNING,
  appTaskQueue,
  cancelSignal,
  cancelUpdate,
  registeredState,
  rescheduleUpdate,
  searchAttributes,
  stateQuery,
  type AttemptError,
  type AttemptErrorCode,
  type AttemptFailureDetails,
  type CallbackActivities,
  type CallbackSinks,
  type CallbackState,
  type CallbackStatus,
  type DelayCallbackInput,
  type InvokeCallbackResult,
} from '../contract.js';
import { delayBeforeRetrySeconds } from '../retry-schedule.js';

/** The SDK worker heartbeats well within this while a handler runs; a dead worker is noticed after it. */
const ATTEMPT_HEARTBEAT_TIMEOUT_SECONDS = 10;
/** The SDK worker enforces `attemptTimeoutSeconds` itself; Temporal's start-to-close is a backstop after this grace. */
const ATTEMPT_TIMEOUT_GRACE_SECONDS = 10;
/** The attempt error codes of version 1, frozen (the contract's list has grown since). */
const ATTEMPT_ERROR_CODES = ['HANDLER_FAILED', 'HANDLER_RETURNED_FALSE', 'ATTEMPT_TIMEOUT', 'ALIAS_NOT_DEFINED'] as const;

const { callbackMetrics } = proxySinks<CallbackSinks>();

const nowIso = (): string => new Date(Date.now()).toISOString();

export async function delayCallbackV1(input: DelayCallbackInput): Promise<CallbackState> {
  const state: CallbackState = registeredState(input);
  /** When the current wait (for the trigger or the next retry) ends, epoch ms. */
  let wakeAt = Date.parse(input.triggerAt);
  /** An operator's cancel signal arrived during an attempt: no further retries. */
  let stopRetrying = false;
  /** The CallbackStatus search attribute as last written (set at start by the facade). */
  let publishedStatus: CallbackStatus = 'scheduled';

  const { invokeCallback } = proxyActivities<CallbackActivities>({
    taskQueue: appTaskQueue(input.app),
    startToCloseTimeout: `${input.attemptTimeoutSeconds + ATTEMPT_TIMEOUT_GRACE_SECONDS}s`,
    heartbeatTimeout: `${ATTEMPT_HEARTBEAT_TIMEOUT_SECONDS}s`,
    // No schedule-to-start limit: with every worker of the app down, the attempt waits in the queue.
    retry: {
      initialInterval: '1s',
      backoffCoefficient: 2,
      maximumInterval: '30s',
      // maximumAttempts unset: unlimited, so an attempt outlives any outage of the app's workers.
      nonRetryableErrorTypes: [...ATTEMPT_ERROR_CODES, 'TemporalTimeout:StartToClose'],
    },
  });

  const isWaiting = (): boolean => state.status === 'scheduled' || state.status === 'retrying';

  /** Moves the status and keeps the search attribute current, writing only real changes. */
  function setStatus(status: CallbackStatus): void {
    state.status = status;
    if (publishedStatus === status) return;
    publishedStatus = status;
    upsertSearchAttributes([{ key: searchAttributes.status, value: status }]);
  }

  function cancel(): void {
    state.status = 'cancelled';
    state.nextAttemptAt = null;
    state.completedAt = nowIso();
  }

  /** Rejects an update unless the callback is waiting (or, with `allowCancelled`, already cancelled). */
  function assertWaiting(allowCancelled: boolean): void {
    if (isWaiting() || (allowCancelled && state.status === 'cancelled')) return;
    if (state.status === 'running') {
      throw ApplicationFailure.nonRetryable('an attempt of this callback is in flight', CALLBACK_RUNNING);
    }
    throw ApplicationFailure.nonRetryable(`the callback has already ${state.status}`, CALLBACK_FINISHED, {
      status: state.status,
    });
  }

  setHandler(stateQuery, () => state);
  setHandler(cancelSignal, () => {
    if (isWaiting()) cancel();
    else if (state.status === 'running') stopRetrying = true;
  });
  setHandler(
    cancelUpdate,
    (_request) => {
      if (isWaiting()) cancel();
      return state;
    },
    { validator: (_request) => assertWaiting(true) },
  );
  setHandler(
    rescheduleUpdate,
    ({ triggerAt }) => {
      wakeAt = Date.parse(triggerAt);
      const iso = new Date(wakeAt).toISOString();
      if (state.status === 'scheduled') {
        state.triggerAt = iso;
        upsertSearchAttributes([{ key: searchAttributes.triggerAt, value: new Date(wakeAt) }]);
      } else {
        state.nextAttemptAt = iso;
      }
      return state;
    },
    {
      validator: ({ triggerAt }) => {
        assertWaiting(false);
        if (!Number.isFinite(Date.parse(triggerAt))) {
          throw ApplicationFailure.nonRetryable(`triggerAt "${triggerAt}" is not a time`, 'INVALID_TRIGGER_AT');
        }
      },
    },
  );

  /** Sleeps until `wakeAt`, following reschedules; returns early when cancelled. */
  async function sleepUntilWake(): Promise<void> {
    while (isWaiting()) {
      const target = wakeAt;
      const remaining = target - Date.now();
      if (remaining <= 0) return;
      try {
        await condition(() => wakeAt !== target || !isWaiting(), remaining);
      } catch (err) {
        // A cancellation request from the Web UI or `temporal workflow cancel` while waiting.
        if (isCancellation(err)) cancel();
        else throw err;
      }
    }
  }

  function finish(status: CallbackStatus): void {
    state.completedAt ??= nowIso();
    state.nextAttemptAt = null;
    setStatus(status);
    callbackMetrics.finished(state.app, status);
  }

  await sleepUntilWake();
  for (let attempt = 1; state.status !== 'cancelled'; attempt++) {
    state.attempts = attempt;
    state.nextAttemptAt = null;
    setStatus('running');
    const outcome = await runAttempt(attempt);
    recordAttempt(attempt, outcome);

    if (!outcome.error) {
      state.result = outcome.result ?? null;
      finish('succeeded');
      return state;
    }
    state.lastError = outcome.error;
    const cancelRequested = stopRetrying || CancellationScope.current().consideredCancelled;
    if (cancelRequested) {
      finish('cancelled');
      return state;
    }
    if (attempt >= state.retry.maxAttempts) {
      finish('failed');
      throw ApplicationFailure.create({
        type: CALLBACK_FAILED,
        nonRetryable: true,
        message: `callback failed after ${attempt} attempt(s): ${outcome.error.code}: ${outcome.error.message}`,
        details: [state],
      });
    }
    wakeAt = Date.now() + delayBeforeRetrySeconds(state.retry, attempt) * 1000;
    state.nextAttemptAt = new Date(wakeAt).toISOString();
    setStatus('retrying');
    await sleepUntilWake();
  }
  finish('cancelled');
  return state;

  async function runAttempt(attempt: number): Promise<AttemptOutcome> {
    const scheduledAt = Date.now();
    try {
      // An attempt, once started, runs to its end: cancellation applies between attempts.
      const done: InvokeCallbackResult = await CancellationScope.nonCancellable(() =>
        invokeCallback({
          app: state.app,
          uid: state.uid,
          alias: state.alias,
          args: state.args,
          attempt,
          triggerAt: state.triggerAt,
          firedAt: state.firedAt,
          attemptTimeoutSeconds: state.attemptTimeoutSeconds,
        }),
      );
      return { startedAt: done.startedAt, result: done.result, error: null };
    } catch (err) {
      if (!(err instanceof ActivityFailure)) throw err;
      return toAttemptOutcome(err, scheduledAt, state.attemptTimeoutSeconds);
    }
  }

  function recordAttempt(attempt: number, outcome: AttemptOutcome): void {
    const finishedAt = nowIso();
    if (attempt === 1) {
      state.firedAt = outcome.startedAt;
      state.latenessMs = Math.max(0, Date.parse(outcome.startedAt) - Date.parse(state.triggerAt));
      callbackMetrics.fired(state.app, state.latenessMs);
    }
    state.attemptHistory.push({ attempt, startedAt: outcome.startedAt, finishedAt, error: outcome.error });
    if (state.attemptHistory.length > ATTEMPT_HISTORY_LIMIT) state.attemptHistory.shift();
    callbackMetrics.attemptFinished(state.app, outcome.error?.code ?? 'succeeded');
  }
}

interface AttemptOutcome {
  startedAt: string;
  result?: unknown;
  error: AttemptError | null;
}

function toAttemptOutcome(err: ActivityFailure, scheduledAt: number, attemptTimeoutSeconds: number): AttemptOutcome {
  const cause = err.cause;
  if (cause instanceof ApplicationFailure && isAttemptErrorCode(cause.type)) {
    const details = cause.details?.[0] as AttemptFailureDetails | undefined;
    return {
      startedAt: details?.startedAt ?? new Date(scheduledAt).toISOString(),
      error: { code: cause.type, message: cause.message },
    };
  }
  if (cause instanceof TimeoutFailure) {
    // The backstop start-to-close timeout: the worker did not enforce the attempt timeout itself.
    const startedAt = Math.max(scheduledAt, Date.now() - (attemptTimeoutSeconds + ATTEMPT_TIMEOUT_GRACE_SECONDS) * 1000);
    return {
      startedAt: new Date(startedAt).toISOString(),
      error: { code: 'ATTEMPT_TIMEOUT', message: `the attempt did not finish within ${attemptTimeoutSeconds} s` },
    };
  }
  return {
    startedAt: new Date(scheduledAt).toISOString(),
    error: { code: 'HANDLER_FAILED', message: cause?.message ?? err.message },
  };
}

function isAttemptErrorCode(type: string | null | undefined): type is (typeof ATTEMPT_ERROR_CODES)[number] & AttemptErrorCode {
  return (ATTEMPT_ERROR_CODES as readonly string[]).includes(type ?? '');
}
