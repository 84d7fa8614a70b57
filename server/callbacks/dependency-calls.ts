/**
 * Bounded calls to Temporal and Redis: past the bound, or when the dependency
 * is unreachable, the request gets 503 DEPENDENCY_UNAVAILABLE instead of hanging.
 */
import { isGrpcServiceError } from '@temporalio/client';
import { ServiceError, dependencyUnavailable } from '../errors.js';

// gRPC status codes that mean "could not reach or hear back from the server".
const GRPC_DEADLINE_EXCEEDED = 4;
const GRPC_UNAVAILABLE = 14;

/** True when `err` (or a cause of it) says Temporal could not be reached in time. */
export function isTemporalUnreachable(err: unknown): boolean {
  for (let current: unknown = err, depth = 0; current && depth < 5; depth++) {
    if (isGrpcServiceError(current) && (current.code === GRPC_DEADLINE_EXCEEDED || current.code === GRPC_UNAVAILABLE)) return true;
    if (current instanceof Error && /failed to connect before the deadline|deadline exceeded/i.test(current.message)) return true;
    current = current instanceof Error ? current.cause : undefined;
  }
  return false;
}

export function isDependencyUnavailable(err: unknown): err is ServiceError {
  return err instanceof ServiceError && err.code === 'DEPENDENCY_UNAVAILABLE';
}

/** Runs `call`, failing with 503 when it takes longer than `timeoutMs` or the dependency is unreachable. */
export async function boundedCall<T>(dependency: 'temporal' | 'redis', timeoutMs: number, call: () => Promise<T>): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(dependencyUnavailable(dependency, new Error(`no answer within ${timeoutMs} ms`))), timeoutMs);
  });
  try {
    return await Promise.race([call(), timeout]);
  } catch (err) {
    if (err instanceof ServiceError) throw err;
    if (dependency === 'redis' || isTemporalUnreachable(err)) throw dependencyUnavailable(dependency, err);
    throw err;
  } finally {
    clearTimeout(timer);
  }
}
