/**
 * The callback activity: runs on an application's worker (hosted by the client
 * SDK) and calls the local handler registered for the callback's alias.
 *
 * Business failures (the handler threw, returned `false`, outlived its attempt
 * timeout, or the alias is unknown here) are non-retryable ApplicationFailures:
 * the workflow counts them against the retry strategy. Anything else (this
 * worker dying, shutting down mid-attempt) is left to Temporal's activity retry,
 * which redelivers the same attempt to a live worker.
 */
import { ApplicationFailure, CancelledFailure, Context } from '@temporalio/activity';
import type {
  AttemptErrorCode,
  AttemptFailureDetails,
  CallbackActivities,
  CallbackRequest,
  InvokeCallbackInput,
  InvokeCallbackResult,
} from '../workflows/contract.js';

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
  /** How often a running handler is reported alive. @default 3000 */
  heartbeatIntervalMs?: number;
  /** Largest serialized result a handler may return. @default 65536 */
  maxResultBytes?: number;
  /** Called after every attempt this worker ran. */
  onAttempt?: (report: AttemptReport) => void;
}

export const DEFAULT_MAX_RESULT_BYTES = 64 * 1024;

export function createCallbackActivities(options: InvokeCallbackOptions): CallbackActivities {
  const heartbeatIntervalMs = options.heartbeatIntervalMs ?? 3_000;
  const maxResultBytes = options.maxResultBytes ?? DEFAULT_MAX_RESULT_BYTES;

  async function invokeCallback(input: InvokeCallbackInput): Promise<InvokeCallbackResult> {
    const context = Context.current();
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
    if (!handler) return fail('ALIAS_NOT_DEFINED', `no handler is defined for alias "${input.alias}" on this worker`);

    const abort = new AbortController();
    const onCancel = (): void => abort.abort(context.cancellationSignal.reason);
    context.cancellationSignal.addEventListener('abort', onCancel);
    const heartbeat = setInterval(() => context.heartbeat(), heartbeatIntervalMs);
    let timer: NodeJS.Timeout | undefined;
    const timedOut = new Promise<typeof TIMED_OUT>((resolve) => {
      timer = setTimeout(resolve, input.attemptTimeoutSeconds * 1000, TIMED_OUT);
    });
    try {
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
      const returned = await Promise.race([Promise.resolve().then(() => handler(request)), timedOut]);
      if (returned === TIMED_OUT) {
        abort.abort(new Error('attempt timed out'));
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
      if (context.cancellationSignal.aborted) {
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
