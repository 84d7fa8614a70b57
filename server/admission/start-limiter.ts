/**
 * A bound on registration starts in flight to Temporal, with a short queue:
 * past `maxInflight` a start waits its turn, and one that would wait longer than
 * `queueTimeoutMs` is refused (429 OVERLOADED) without having reached Temporal.
 * Temporal's throughput is what it is; the bound keeps the queue in front of it
 * short, so a saturated stack answers in milliseconds instead of at a deadline.
 *
 * The queue is also bounded by what can drain in time (Little's law): with starts
 * taking `t` ms on average, `maxInflight x queueTimeoutMs / t` queued starts get
 * a slot within the timeout, so one beyond that is refused at once rather than
 * after waiting the whole timeout for nothing.
 */
import PQueue from 'p-queue';
import { overloaded, type ServiceError } from '../errors.js';

export interface StartLimiterOptions {
  /** Starts in flight at once; 0 = unbounded. */
  maxInflight: number;
  /** Longest wait for a slot, ms (0: refuse at once when every slot is taken). */
  queueTimeoutMs: number;
  /** Retry-After of a refusal, seconds. */
  retryAfterSeconds: number;
}

/** Weight of the newest start in the moving average of start durations. */
const EWMA_WEIGHT = 0.2;

export class StartLimiter {
  private readonly queue: PQueue | undefined;
  /** Moving average of how long a start holds its slot, ms (0 until one finished). */
  private averageStartMs = 0;

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

  /** How many queued starts can get a slot within the queue timeout, at the recent pace of starts. */
  get drainableInTime(): number {
    if (this.options.queueTimeoutMs === 0) return 0;
    if (this.averageStartMs === 0) return Number.POSITIVE_INFINITY;
    return Math.floor((this.options.maxInflight * this.options.queueTimeoutMs) / this.averageStartMs);
  }

  /** Whether a start arriving now would be refused at once (every slot taken, the queue beyond what drains in time). */
  get full(): boolean {
    const queue = this.queue;
    return queue !== undefined && queue.pending >= this.options.maxInflight && queue.size >= this.drainableInTime;
  }

  /** The refusal a start gets when no slot frees up in time. */
  refusal(): ServiceError {
    return overloaded('start-queue', `${this.options.maxInflight} registrations are already in flight to Temporal`, this.options.retryAfterSeconds);
  }

  /** Runs `start` when a slot is free; refuses with 429 OVERLOADED if none frees up in time. */
  async run<T>(start: () => Promise<T>): Promise<T> {
    const queue = this.queue;
    if (!queue) return start();
    const refusal = () => this.refusal();
    if (this.full) throw refusal();
    // The signal only ever aborts a start still waiting in the queue: the timer is cleared the
    // moment the start runs, so a running start keeps its slot until Temporal answers.
    const waiting = new AbortController();
    const timer = setTimeout(() => waiting.abort(refusal()), this.options.queueTimeoutMs);
    try {
      return await queue.add(
        async () => {
          clearTimeout(timer);
          const startedAt = performance.now();
          try {
            return await start();
          } finally {
            const took = performance.now() - startedAt;
            this.averageStartMs = this.averageStartMs === 0 ? took : this.averageStartMs + EWMA_WEIGHT * (took - this.averageStartMs);
          }
        },
        { signal: waiting.signal },
      );
    } finally {
      clearTimeout(timer);
    }
  }
}
