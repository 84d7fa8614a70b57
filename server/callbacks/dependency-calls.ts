/**
 * Bounded calls to Temporal and Redis: past the bound, or when the dependency
 * is unreachable, the request gets 503 DEPENDENCY_UNAVAILABLE instead of hanging.
 */
import { isGrpcServiceError } from '@temporalio/client';
import { ServiceError, dependencyUnavailable } from '../errors.js';

// gRPC status codes that mean "could not reach or hear back from the server".
const GRPC_DEADLINE_EXCEEDED = 4;
const GRPC_UNAVAILABLE = 14;
/** The server refused the request's content (e.g. a page token it did not issue). */
export const GRPC_INVALID_ARGUMENT = 3;

/** True when `err` or one of its causes (a few levels down) satisfies `test`. */
function inCauseChain(err: unknown, test: (error: unknown) => boolean): boolean {
  for (let current: unknown = err, depth = 0; current && depth < 5; depth++) {
    if (test(current)) return true;
    current = current instanceof Error ? current.cause : undefined;
  }
  return false;
}

/** True when `err` or one of its causes is a gRPC error with `code`. */
export function hasGrpcCode(err: unknown, code: number): boolean {
  return inCauseChain(err, (error) => isGrpcServiceError(error) && error.code === code);
}

/** True when `err` (or a cause of it) says Temporal could not be reached in time. */
export function isTemporalUnreachable(err: unknown): boolean {
  return (
    hasGrpcCode(err, GRPC_DEADLINE_EXCEEDED) ||
    hasGrpcCode(err, GRPC_UNAVAILABLE) ||
    inCauseChain(err, (error) => error instanceof Error && /failed to connect before the deadline|deadline exceeded/i.test(error.message))
  );
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
      const err = dependencyUnavailable(dependency, new Error(`no answer within ${timeoutMs} ms`));
      reject(err); // first, so the race settles with this and not with the aborted call's own error
      abort.abort(err);
    }, timeoutMs);
  });
  try {
    return await Promise.race([call(abort.signal), timeout]);
  } catch (err) {
    if (err instanceof ServiceError) throw err;
    if (dependency === 'redis' || isTemporalUnreachable(err)) throw dependencyUnavailable(dependency, err);
    throw err;
  } finally {
    clearTimeout(timer);
  }
}
