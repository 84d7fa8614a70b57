/**
 * A short-lived cache for answers that are costly to compute (stats, readiness):
 * an answer is served again for `ttlMs`; callers that arrive while it is being
 * computed wait for that same computation (single flight); and computations of
 * one lane (one app) run one at a time, with at most `maxQueuedPerLane` waiting,
 * so no caller can make the service run many at once. Failures are not cached.
 */
import { ServiceError } from './errors.js';

export interface CoalescingCacheOptions {
  /** How long an answer is served again; 0 computes each time (concurrent callers still share one). */
  ttlMs: number;
  /** Computations of one lane waiting behind the running one; one more is refused with 429 OVERLOADED. @default 4 */
  maxQueuedPerLane?: number;
  /** Entries kept before expired ones are swept. @default 1000 */
  maxEntries?: number;
  /** Clock, for tests. @default Date.now */
  now?: () => number;
}

export interface Computed<T> {
  value: T;
  /** Epoch ms when the computation finished. */
  computedAt: number;
}

interface Entry<T> {
  promise: Promise<Computed<T>>;
  /** Set once computed; until then callers join the computation. */
  computedAt?: number;
}

interface Lane {
  tail: Promise<unknown>;
  /** Computations queued or running. */
  size: number;
}

export class CoalescingCache<T> {
  private readonly entries = new Map<string, Entry<T>>();
  private readonly lanes = new Map<string, Lane>();
  private readonly now: () => number;
  private readonly maxQueued: number;
  private readonly maxEntries: number;

  constructor(private readonly options: CoalescingCacheOptions) {
    this.now = options.now ?? Date.now;
    this.maxQueued = options.maxQueuedPerLane ?? 4;
    this.maxEntries = options.maxEntries ?? 1000;
  }

  /** The answer for `key` (computed in `lane` by `compute` unless a fresh or pending one exists). */
  get(lane: string, key: string, compute: () => Promise<T>): Promise<Computed<T>> {
    const cacheKey = JSON.stringify([lane, key]);
    const entry = this.entries.get(cacheKey);
    if (entry && (entry.computedAt === undefined || this.now() - entry.computedAt < this.options.ttlMs)) return entry.promise;

    const queue = this.lanes.get(lane) ?? { tail: Promise.resolve(), size: 0 };
    if (queue.size > this.maxQueued) {
      return Promise.reject(
        new ServiceError('OVERLOADED', 'this answer is being computed for other requests; retry shortly', undefined, { retryAfterSeconds: 1 }),
      );
    }
    this.sweep();
    queue.size++;
    this.lanes.set(lane, queue);
    const fresh: Entry<T> = {
      promise: queue.tail.then(compute).then(
        (value) => {
          fresh.computedAt = this.now();
          return { value, computedAt: fresh.computedAt };
        },
        (err: unknown) => {
          if (this.entries.get(cacheKey) === fresh) this.entries.delete(cacheKey);
          throw err;
        },
      ),
    };
    queue.tail = fresh.promise.then(
      () => this.leave(lane, queue),
      () => this.leave(lane, queue),
    );
    this.entries.set(cacheKey, fresh);
    return fresh.promise;
  }

  private leave(lane: string, queue: Lane): void {
    queue.size--;
    if (queue.size === 0 && this.lanes.get(lane) === queue) this.lanes.delete(lane);
  }

  /** Drops expired answers once there are many (many apps, or many parameters of one). */
  private sweep(): void {
    if (this.entries.size < this.maxEntries) return;
    const now = this.now();
    for (const [key, entry] of this.entries) {
      if (entry.computedAt !== undefined && now - entry.computedAt >= this.options.ttlMs) this.entries.delete(key);
    }
  }
}
