/** The process's one Redis client. */
import { Redis } from 'ioredis';

/** `commandTimeoutMs`: a command without an answer by then fails (DEPENDENCY_TIMEOUT_MS; 503 for the request). */
export function createRedisClient(url: string, commandTimeoutMs = 5_000): Redis {
  return new Redis(url, {
    // Fail fast while disconnected (the request gets 503) instead of queueing behind a dead server;
    // ioredis keeps reconnecting in the background and the service recovers by itself.
    enableOfflineQueue: false,
    maxRetriesPerRequest: 1,
    connectTimeout: 2_000,
    commandTimeout: commandTimeoutMs,
    retryStrategy: (attempt) => Math.min(attempt * 200, 2_000),
  });
}
