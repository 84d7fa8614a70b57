/** Prometheus metrics of admission control and of registrations whose start Temporal did not answer. */
import { Counter, Gauge, type Registry } from 'prom-client';
import type { OverloadReason } from '../errors.js';
import type { StartLimiter } from './start-limiter.js';

export interface AdmissionMetrics {
  refused(reason: OverloadReason): void;
  startOutcome(outcome: 'exists' | 'absent' | 'unknown'): void;
}

/**
 * Forgets a metric of this name from an earlier app built on the same registry (tests build
 * several), so the newest app's sources are the ones reported.
 */
export function replaceMetrics(registry: Registry, ...names: string[]): void {
  for (const name of names) if (registry.getSingleMetric(name)) registry.removeSingleMetric(name);
}

export function registerAdmissionMetrics(registry: Registry, limiter: StartLimiter): AdmissionMetrics {
  replaceMetrics(
    registry,
    'delay_callback_admission_refusals_total',
    'delay_callback_registration_start_outcomes_total',
    'delay_callback_registration_starts_inflight',
    'delay_callback_registration_starts_queued',
  );
  const registers = [registry];
  const refusals = new Counter({
    name: 'delay_callback_admission_refusals_total',
    help: 'Registrations refused 429 OVERLOADED, by reason: event-loop-delay, heap-used, start-queue, fire-backlog.',
    labelNames: ['reason'] as const,
    registers,
  });
  const outcomes = new Counter({
    name: 'delay_callback_registration_start_outcomes_total',
    help: 'Registration starts Temporal did not answer in time, by what asking afterwards found: exists (201/200), absent (503), unknown (503 REGISTRATION_OUTCOME_UNKNOWN).',
    labelNames: ['outcome'] as const,
    registers,
  });
  new Gauge({
    name: 'delay_callback_registration_starts_inflight',
    help: 'Registration starts in flight to Temporal now (bounded by ADMISSION_MAX_INFLIGHT_STARTS).',
    registers,
    collect() {
      this.set(limiter.inflight);
    },
  });
  new Gauge({
    name: 'delay_callback_registration_starts_queued',
    help: 'Registration starts waiting for an in-flight slot now.',
    registers,
    collect() {
      this.set(limiter.queued);
    },
  });
  return {
    refused: (reason) => refusals.inc({ reason }),
    startOutcome: (outcome) => outcomes.inc({ outcome }),
  };
}
