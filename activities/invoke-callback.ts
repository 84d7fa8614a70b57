/**
 * The callback activity: runs on an application's worker (hosted by the client
 * SDK) and calls the local handler registered for the callback's alias. The
 * contract it implements is docs/activity-contract.md.
 *
 * Version 2 (the input carries `dueAt`): the attempt arrives up to the dispatch
 * lead early, waits on this process's clock, makes the pre-start check just
 * before the due time (stand down, or commit), and starts the handler at
 * `Date.now() >= dueAt`. Without `dueAt` (version-1 workflows) it starts at once.
 *
 * Business failures (the handler threw, returned `false`, outlived its attempt
 * timeout, or the alias is unknown here) are non-retryable ApplicationFailures:
 * the workflow counts them against the retry strategy. Anything else (this
 * worker dying, shutting down mid-attempt) is left to Temporal's activity retry,
 * which redelivers the same attempt to a live worker, a bounded number of times.
 */
import { ApplicationFailure, CancelledFailure, Context } from '@temporalio/activity';
import type {
  AttemptErrorCode,
  AttemptFailureDetails,
  AttemptHeartbeatDetails,
  CallbackActivities,
  CallbackRequest,
  InvokeCallbackInput,
  InvokeCallbackResult,
} from '../workflows/contract.js';
import type { AttemptRpc } from './attempt-rpc.js';
import { HandlerSlots } from './handler-slots.js';
import { CheckMargin, preStartCheck, waitUntil } from './pre-dispatch.js';

/** A handler confirms by returning normally (`true` or a result); `false` or a throw is a failed attempt. */
export type CallbackHandler<Args = unknown, Result = unknown> = (
  request: CallbackRequest<Args>,
) => Promise<Result | boolean | void> | Result | boolean | void;

/** What the activity reports about each attempt it ran (for metrics and logs). */
export interface AttemptReport {
  app: string;
  alias: string;
  uid: string;
  attempt: number;
  outcome: 'succeeded' | AttemptErrorCode;
  durationMs: number;
  /** Start minus trigger time, on the first attempt only. */
  latenessMs: number | null;
}

export interface InvokeCallbackOptions {
  /** Handlers by alias; read at every attempt, so aliases defined later are picked up. */
  handlers: ReadonlyMap<string, CallbackHandler>;
  /** Handlers running at once (armed attempts waiting for their due time do not count). @default 100 */
  maxConcurrentHandlers?: number;
  /** How often a running handler is reported alive (the worker's heartbeat throttle spaces the actual calls). @default 1000 */
  heartbeatIntervalMs?: number;
  /** Largest serialized result a handler may return. @default 65536 */
  maxResultBytes?: number;
  /** Called after every attempt this worker ran. */
  onAttempt?: (report: AttemptReport) => void;
  /**
   * The pre-start check and the attempt-started signal. Without it (MockActivityEnvironment) an
   * attempt makes no check and cannot stand down.
   */
  rpc?: AttemptRpc;
}

export const DEFAULT_MAX_RESULT_BYTES = 64 * 1024;
/** How long the attempt-started signal may take. */
const SIGNAL_TIMEOUT_MS = 5_000;
/** While an attempt waits for a handler slot, it reports itself alive this often. */
const SLOT_WAIT_HEARTBEAT_MS = 3_000;

export function createCallbackActivities(options: InvokeCallbackOptions): CallbackActivities {
  const heartbeatIntervalMs = options.heartbeatIntervalMs ?? 1_000;
  const maxResultBytes = options.maxResultBytes ?? DEFAULT_MAX_RESULT_BYTES;
  const margin = new CheckMargin();
  const slots = new HandlerSlots(options.maxConcurrentHandlers ?? 100);

  /**
   * Holds an attempt until its handler may start: for version 2, until just before its due time,
   * then a handler slot, the pre-start check and the due millisecond; for version 1, a slot.
   * Resolves with the slot's release; throws when the attempt must not start.
   */
  async function holdUntilDue(input: InvokeCallbackInput, context: Context): Promise<() => void> {
    const armed = (): void => context.heartbeat({ phase: 'armed' } satisfies AttemptHeartbeatDetails);
    if (input.dueAt === undefined) return slots.acquire(context.cancellationSignal, armed, SLOT_WAIT_HEARTBEAT_MS);
    let release: (() => void) | undefined;
    try {
      await waitUntil(input.dueAt - margin.ms, context);
      release = await slots.acquire(context.cancellationSignal, armed, SLOT_WAIT_HEARTBEAT_MS);
      if (options.rpc) await preStartCheck(context, options.rpc, margin);
      await waitUntil(input.dueAt, context);
      return release;
    } catch (err) {
      release?.();
      if (!(err instanceof CancelledFailure) || context.cancellationDetails?.cancelRequested) throw err;
      // Shutting down (past the grace time) or forgotten by Temporal while armed: a lost delivery,
      // and one whose handler certainly did not start.
      throw ApplicationFailure.retryable(`the attempt was cut while armed: ${err.message}`, 'ARMED_ATTEMPT_CUT', {
        phase: 'armed',
      } satisfies AttemptHeartbeatDetails);
    }
  }

  async function invokeCallback(input: InvokeCallbackInput): Promise<InvokeCallbackResult> {
    const context = Context.current();
    const release = await holdUntilDue(input, context);
    return runHandler(input, context, release);
  }

  /** Runs the handler; `release` frees its slot once the handler has settled (not before, even if the attempt ends first). */
  async function runHandler(input: InvokeCallbackInput, context: Context, release: () => void): Promise<InvokeCallbackResult> {
    const started = Date.now();
    const startedAt = new Date(started).toISOString();
    const report = (outcome: AttemptReport['outcome']): void =>
      options.onAttempt?.({
        app: input.app,
        alias: input.alias,
        uid: input.uid,
        attempt: input.attempt,
        outcome,
        durationMs: Date.now() - started,
        latenessMs: input.attempt === 1 ? started - Date.parse(input.triggerAt) : null,
      });
    const fail = (code: AttemptErrorCode, message: string): never => {
      report(code);
      const details: AttemptFailureDetails = { startedAt };
      throw ApplicationFailure.create({ type: code, message, nonRetryable: true, details: [details] });
    };

    const handler = options.handlers.get(input.alias);
    if (!handler) {
      release();
      return fail('ALIAS_NOT_DEFINED', `no handler is defined for alias "${input.alias}" on this worker`);
    }

    const abort = new AbortController();
    /** Resolves when the attempt is cut (shutdown past its grace, or Temporal no longer knows it): stop waiting. */
    let cut!: (reason: unknown) => void;
    const wasCut = new Promise<typeof CUT>((resolve) => (cut = () => resolve(CUT)));
    let toldStarted = false;
    const onCancel = (): void => {
      if (context.cancellationDetails?.cancelRequested) {
        // The workflow asked this attempt to stand down, too late: the handler runs on; say so, once.
        const execution = context.info.workflowExecution;
        if (toldStarted || !options.rpc || !execution) return;
        toldStarted = true;
        options.rpc
          .signalAttemptStarted(execution, { attempt: input.attempt }, SIGNAL_TIMEOUT_MS)
          .catch((err: unknown) => context.log.warn('could not tell the workflow that the handler had started', { err }));
        return;
      }
      // Shutting down, timed out or forgotten by Temporal: the handler should stop, and the attempt ends.
      abort.abort(context.cancellationSignal.reason);
      cut(context.cancellationSignal.reason);
    };
    context.cancellationSignal.addEventListener('abort', onCancel);
    const running: AttemptHeartbeatDetails = { phase: 'running' };
    const heartbeat = setInterval(() => context.heartbeat(running), heartbeatIntervalMs);
    let timer: NodeJS.Timeout | undefined;
    const timedOut = new Promise<typeof TIMED_OUT>((resolve) => {
      timer = setTimeout(resolve, input.attemptTimeoutSeconds * 1000, TIMED_OUT);
    });
    const request: CallbackRequest = {
      uid: input.uid,
      app: input.app,
      alias: input.alias,
      args: input.args,
      attempt: input.attempt,
      triggerAt: input.triggerAt,
      firedAt: input.firedAt ?? startedAt,
      signal: abort.signal,
    };
    const settled = Promise.resolve().then(() => handler(request));
    // The handler's slot stays taken until it settles, so timed-out or abandoned handlers cannot pile up.
    void settled.then(release, release);
    try {
      const returned = await Promise.race([settled, timedOut, wasCut]);
      if (returned === CUT) throw new CancelledFailure('the worker shut down during the attempt');
      if (returned === TIMED_OUT) {
        abort.abort(new Error('attempt timed out'));
        // Wait for the handler to settle (its signal is aborted); Temporal's start-to-close timeout (the
        // attempt timeout plus a grace) is the backstop, and a shutdown stops the wait.
        if ((await Promise.race([settled.catch(() => undefined), wasCut])) === CUT) {
          throw new CancelledFailure('the worker shut down during the attempt');
        }
        return fail('ATTEMPT_TIMEOUT', `the handler did not finish within ${input.attemptTimeoutSeconds} s`);
      }
      if (returned === false) return fail('HANDLER_RETURNED_FALSE', 'the handler returned false');
      const result = returned === undefined ? null : returned;
      const size = serializedSize(result);
      if (size === undefined) return fail('HANDLER_FAILED', 'the handler returned a value that is not JSON-serializable');
      if (size > maxResultBytes) {
        return fail('HANDLER_FAILED', `the handler returned ${size} bytes, more than the ${maxResultBytes}-byte result limit`);
      }
      report('succeeded');
      return { result, startedAt };
    } catch (err) {
      if (err instanceof ApplicationFailure) throw err; // one of ours, already reported
      if (abort.signal.aborted && context.cancellationSignal.aborted) {
        // The worker is shutting down past its grace time: an infrastructure failure, retried by Temporal.
        throw new CancelledFailure('the worker shut down during the attempt');
      }
      return fail('HANDLER_FAILED', describeThrown(err));
    } finally {
      clearInterval(heartbeat);
      clearTimeout(timer);
      context.cancellationSignal.removeEventListener('abort', onCancel);
    }
  }

  return { invokeCallback };
}

const TIMED_OUT = Symbol('timed out');
const CUT = Symbol('cut');

function serializedSize(value: unknown): number | undefined {
  try {
    const json = JSON.stringify(value);
    return json === undefined ? undefined : Buffer.byteLength(json);
  } catch {
    return undefined;
  }
}

function describeThrown(err: unknown): string {
  if (err instanceof Error) return err.message || err.name;
  if (typeof err === 'string') return err;
  try {
    return JSON.stringify(err) ?? String(err);
  } catch {
    return String(err);
  }
}
