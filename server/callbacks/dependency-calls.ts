/**
 * Bounded calls to Temporal and Redis: past the bound, or when the dependency
 * is unreachable, the request gets 503 DEPENDENCY_UNAVAILABLE instead of hanging.
 * Every other Temporal error is interpreted in server/temporal/errors.ts.
 */
import { isGrpcDeadlineError } from '@temporalio/client';
import { ServiceError, dependencyUnavailable } from '../errors.js';
import { GrpcStatus, hasGrpcCode, isTemporalUnreachable } from '../temporal/errors.js';

export { hasGrpcCode, isTemporalUnreachable };

/** The server refused the request's content (e.g. a page token it did not issue). */
export const GRPC_INVALID_ARGUMENT = GrpcStatus.INVALID_ARGUMENT;

/** `boundedCall`'s own bound passed: the call got no answer in time (it may still be running there). */
export class NoAnswerInTime extends Error {}

/**
 * No answer in time, whichever timer noticed first: the gRPC deadline, or `boundedCall`'s bound
 * just after it (on a busy event loop the second can fire before the first's error is delivered).
 */
export function isNoAnswerInTime(err: unknown): boolean {
  return err instanceof NoAnswerInTime || isGrpcDeadlineError(err);
}

export function isDependencyUnavailable(err: unknown): err is ServiceError {
  return err instanceof ServiceError && err.code === 'DEPENDENCY_UNAVAILABLE';
}

/**
 * Runs `call`, failing with 503 when it takes longer than `timeoutMs` or the dependency is unreachable.
 * Past the bound `signal` aborts, so a call that hands it on (a Temporal call inside
 * `client.withAbortSignal`) is cancelled rather than left running. Redis commands end on their own
 * timeout (ioredis `commandTimeout`, server/redis.ts).
 */
export async function boundedCall<T>(
  dependency: 'temporal' | 'redis',
  timeoutMs: number,
  call: (signal: AbortSignal) => Promise<T>,
): Promise<T> {
  const abort = new AbortController();
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      const err = dependencyUnavailable(dependency, new NoAnswerInTime(`no answer within ${timeoutMs} ms`));
      reject(err); // first, so the race settles with this and not with the aborted call's own error
      abort.abort(err);
    }, timeoutMs);
  });
  try {
    return await Promise.race([call(abort.signal), timeout]);
  } catch (err) {
    if (err instanceof ServiceError) throw err;
    // Other Temporal errors go on as they are: the service reads the SDK's classes (an update's
    // refusal, a closed workflow), and the error plugin maps what is left (server/temporal/errors.ts).
    if (dependency === 'redis' || isTemporalUnreachable(err)) throw dependencyUnavailable(dependency, err);
    throw err;
  } finally {
    clearTimeout(timer);
  }
}
