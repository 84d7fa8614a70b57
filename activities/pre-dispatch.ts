/**
 * The armed side of an attempt (version 2): hold it on this process's clock until
 * its due time, and just before committing ask Temporal, in one awaited
 * heartbeat, whether the workflow wants it to stand down. The answer orders the
 * commit against a cancel request at the server: a request recorded before the
 * check makes the attempt stand down (ending as cancelled), one recorded after it
 * finds the handler started. See docs/activity-contract.md.
 */
import { ApplicationFailure, CancelledFailure, type Context } from '@temporalio/activity';
import { ATTEMPT_HEARTBEAT_TIMEOUT_SECONDS, STOOD_DOWN, type AttemptHeartbeatDetails } from '../workflows/contract.js';
import type { AttemptRpc } from './attempt-rpc.js';

/**
 * A wait up to this long needs no heartbeat: the pre-start check that follows it is one, well within
 * the 10 s heartbeat timeout. `DISPATCH_LEAD_MS` is at most 5 s, so only a clock far behind the
 * service's makes a longer wait, which then reports itself alive (phase `armed`) every 5 s.
 */
const SILENT_WAIT_MS = (ATTEMPT_HEARTBEAT_TIMEOUT_SECONDS * 1000 * 6) / 10;
const ARMED_HEARTBEAT_EVERY_MS = (ATTEMPT_HEARTBEAT_TIMEOUT_SECONDS * 1000) / 2;
/** How long the pre-start check may take before the attempt is given up as a lost delivery. */
const CHECK_TIMEOUT_MS = 2_000;
/** How long a stand-down waits for the SDK's core to deliver the cancellation, so it ends as cancelled. */
const STAND_DOWN_ACK_MS = 5_000;

/**
 * Resolves once `Date.now() >= at` on this process's clock, never before (a timer may wake a little
 * early relative to the wall clock, so it checks again). Rejects with the cancellation's reason.
 */
export async function waitUntil(at: number, context: Context): Promise<void> {
  for (;;) {
    const remaining = at - Date.now();
    if (remaining <= 0) return;
    if (remaining <= SILENT_WAIT_MS) {
      await sleepOrCancel(remaining, context.cancellationSignal);
      continue;
    }
    await sleepOrCancel(ARMED_HEARTBEAT_EVERY_MS, context.cancellationSignal);
    context.heartbeat({ phase: 'armed' } satisfies AttemptHeartbeatDetails);
  }
}

function sleepOrCancel(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    if (signal.aborted) return reject(signal.reason as Error);
    const onAbort = (): void => {
      clearTimeout(timer);
      reject(signal.reason as Error);
    };
    const timer = setTimeout(() => {
      signal.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal.addEventListener('abort', onAbort, { once: true });
  });
}

/**
 * How long before the due time the pre-start check is made: a little more than the slowest recent
 * checks took here (a decaying peak), so that the handler still starts on the due millisecond when
 * a check is slow. A cancel reaching Temporal within this margin before the due time finds the
 * attempt committed (409); tens of milliseconds normally.
 */
export class CheckMargin {
  private peakMs = 20;

  get ms(): number {
    return Math.min(250, Math.max(30, Math.ceil(this.peakMs * 1.5 + 10)));
  }

  observe(rttMs: number): void {
    this.peakMs = Math.max(rttMs, this.peakMs * 0.95);
  }
}

/**
 * The pre-start check: one awaited heartbeat of phase `checked`. Resolves when the attempt may
 * commit; throws when it must not start: a stand-down (cancelled, or {@link STOOD_DOWN}), or a
 * check that could not be made (a retryable failure: Temporal delivers the attempt again).
 */
export async function preStartCheck(context: Context, rpc: AttemptRpc, margin: CheckMargin): Promise<void> {
  const started = Date.now();
  let cancelRequested: boolean;
  try {
    ({ cancelRequested } = await rpc.recordHeartbeat(context.info.taskToken, { phase: 'checked' }, CHECK_TIMEOUT_MS));
  } catch (err) {
    // Without a recorded check no handler may start (the workflow relies on it after a lost worker).
    throw ApplicationFailure.retryable(`the pre-start check failed: ${(err as Error).message}`, 'PRE_START_CHECK_FAILED', {
      phase: 'armed',
    } satisfies AttemptHeartbeatDetails);
  }
  margin.observe(Date.now() - started);
  if (cancelRequested) await standDown(context);
}

/**
 * Stands down: has the SDK's core learn of the cancellation (a heartbeat, whose answer carries it)
 * so that the attempt ends as cancelled (ActivityTaskCanceled). Always throws.
 */
export async function standDown(context: Context): Promise<never> {
  context.heartbeat({ phase: 'standing-down' } satisfies AttemptHeartbeatDetails);
  let timer: NodeJS.Timeout | undefined;
  try {
    await Promise.race([context.cancelled, new Promise<void>((resolve) => (timer = setTimeout(resolve, STAND_DOWN_ACK_MS)))]);
  } catch (err) {
    if (err instanceof CancelledFailure) throw err;
  } finally {
    clearTimeout(timer);
  }
  // The core did not deliver it in time: the contract's other way to say the same.
  throw ApplicationFailure.nonRetryable('the attempt stood down before its handler started', STOOD_DOWN, {
    phase: 'standing-down',
  } satisfies AttemptHeartbeatDetails);
}
