/**
 * Admission control of registrations, independent of HTTP so the single and the
 * bulk registration use it alike (per item): `admit` refuses at once while the
 * facade itself is overloaded (event-loop delay, heap) or, when that rule is on,
 * while firing is far behind and the callback is due soon; `start` runs the
 * Temporal start through the in-flight limit. Every refusal is 429 OVERLOADED
 * with Retry-After, and happens before anything is registered.
 */
import { ServiceError, overloaded, type OverloadReason } from '../errors.js';
import type { Config } from '../config.js';
import { StartLimiter } from './start-limiter.js';

/** The ADMISSION_* settings (docs/overload.md). */
export type AdmissionSettings = Config['admission'];

export interface AdmissionSignals {
  /** The facade's process load, sampled (by @fastify/under-pressure). */
  processLoad?: () => { eventLoopDelay: number; heapUsed: number };
  /** How long the oldest due callback has waited for a service worker, seconds (undefined: not sampled yet). */
  fireBacklogSeconds?: () => number | undefined;
  /** Called on every refusal, for metrics. */
  onRefused?: (reason: OverloadReason) => void;
}

export class Admission {
  readonly limiter: StartLimiter;

  constructor(
    private readonly settings: AdmissionSettings,
    private readonly signals: AdmissionSignals = {},
  ) {
    this.limiter = new StartLimiter({
      maxInflight: settings.maxInflightStarts,
      queueTimeoutMs: settings.queueTimeoutMs,
      retryAfterSeconds: settings.retryAfterSeconds,
    });
  }

  /** Refuses (throws 429 OVERLOADED) a registration due at `triggerAtMs` that the stack cannot take now. */
  admit(triggerAtMs: number, now: number): void {
    const { settings } = this;
    const load = this.signals.processLoad?.();
    if (load && settings.maxEventLoopDelayMs > 0 && load.eventLoopDelay > settings.maxEventLoopDelayMs) {
      this.refuse('event-loop-delay', `the facade's event loop lags ${Math.round(load.eventLoopDelay)} ms`);
    }
    if (load && settings.maxHeapUsedBytes > 0 && load.heapUsed > settings.maxHeapUsedBytes) {
      this.refuse('heap-used', `the facade's heap holds ${Math.round(load.heapUsed / 1_048_576)} MiB`);
    }
    // Known now, so refused before the idempotency key is claimed (rather than after, and released).
    if (this.limiter.full) {
      this.signals.onRefused?.('start-queue');
      throw this.limiter.refusal();
    }
    if (settings.maxFireBacklogSeconds > 0 && triggerAtMs - now < settings.dueSoonSeconds * 1000) {
      const backlog = this.signals.fireBacklogSeconds?.();
      if (backlog !== undefined && backlog > settings.maxFireBacklogSeconds) {
        this.refuse('fire-backlog', `firing is ${Math.round(backlog)} s behind; callbacks due more than ${settings.dueSoonSeconds} s from now are accepted`);
      }
    }
  }

  /** Runs a registration's Temporal start within the in-flight limit (429 OVERLOADED past the queue timeout). */
  async start<T>(call: () => Promise<T>): Promise<T> {
    try {
      return await this.limiter.run(call);
    } catch (err) {
      if (err instanceof ServiceError && err.code === 'OVERLOADED') this.signals.onRefused?.('start-queue');
      throw err;
    }
  }

  private refuse(reason: OverloadReason, message: string): never {
    this.signals.onRefused?.(reason);
    throw overloaded(reason, message, this.settings.retryAfterSeconds);
  }
}
