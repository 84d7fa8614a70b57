/**
 * A bound on registration starts in flight to Temporal, with a short queue:
 * past `maxInflight` a start waits its turn, and one that waits longer than
 * `queueTimeoutMs` is refused (429 OVERLOADED) without having reached Temporal.
 * Temporal's throughput is what it is; the bound keeps the queue in front of it
 * short, so a saturated stack answers in milliseconds instead of at a deadline.
 */
import PQueue from 'p-queue';
import { overloaded } from '../errors.js';

export interface StartLimiterOptions {
  /** Starts in flight at once; 0 = unbounded. */
  maxInflight: number;
  /** Longest wait for a slot, ms (0: refuse at once when every slot is taken). */
  queueTimeoutMs: number;
  /** Retry-After of a refusal, seconds. */
  retryAfterSeconds: number;
}

export class StartLimiter {
  private readonly queue: PQueue | undefined;

  constructor(private readonly options: StartLimiterOptions) {
    this.queue = options.maxInflight > 0 ? new PQueue({ concurrency: options.maxInflight }) : undefined;
  }

  /** Starts running now. */
  get inflight(): number {
    return this.queue?.pending ?? 0;
  }

  /** Starts waiting for a slot. */
  get queued(): number {
    return this.queue?.size ?? 0;
  }

  /** Runs `start` when a slot is free; refuses with 429 OVERLOADED if none frees up in time. */
  async run<T>(start: () => Promise<T>): Promise<T> {
    const queue = this.queue;
    if (!queue) return start();
    const refusal = () =>
      overloaded('start-queue', `${this.options.maxInflight} registrations are already in flight to Temporal`, this.options.retryAfterSeconds);
    if (queue.pending >= this.options.maxInflight && this.options.queueTimeoutMs === 0) throw refusal();
    // The signal only ever aborts a start still waiting in the queue: the timer is cleared the
    // moment the start runs, so a running start keeps its slot until Temporal answers.
    const waiting = new AbortController();
    const timer = setTimeout(() => waiting.abort(refusal()), this.options.queueTimeoutMs);
    try {
      return await queue.add(
        () => {
          clearTimeout(timer);
          return start();
        },
        { signal: waiting.signal },
      );
    } finally {
      clearTimeout(timer);
    }
  }
}
