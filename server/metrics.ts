/**
 * Prometheus metrics of one process, in a registry of its own (so tests can
 * build many apps in one process). The facade counts requests and outcomes; the
 * service worker counts fires and attempts as its workflows report them.
 */
import { Counter, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { WebhookAttemptReport } from '../activities/webhook/deliver-webhook.js';
import type { CallbackMetricsSink } from '../workflows/contract.js';

/** Lateness buckets, in seconds: from "as good as it gets" to "a worker was down". */
export const LATENESS_BUCKETS_SECONDS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300, 3600];

export interface ServiceMetrics {
  registry: Registry;
  registrations: Counter<'app' | 'replayed'>;
  cancels: Counter<'app'>;
  reschedules: Counter<'app'>;
  redrives: Counter<'app'>;
  argsChecksSkipped: Counter<'app'>;
  fires: Counter<'app'>;
  attempts: Counter<'app' | 'outcome'>;
  finished: Counter<'app' | 'status'>;
  fireLateness: Histogram<'app'>;
  httpDuration: Histogram<'method' | 'route' | 'status_code'>;
  webhookRequests: Counter<'app' | 'status_class' | 'outcome'>;
  webhookDuration: Histogram<'app' | 'status_class'>;
  /** Counts one webhook request the service worker made (the `onAttempt` of the webhook activity). */
  webhookAttempt: (report: WebhookAttemptReport) => void;
  /** The sink the service worker's workflows report through. */
  sink: CallbackMetricsSink;
}

export function createServiceMetrics(options: { defaultMetrics?: boolean } = {}): ServiceMetrics {
  const registry = new Registry();
  if (options.defaultMetrics ?? true) collectDefaultMetrics({ register: registry });
  const registers = [registry];
  const metrics = {
    registry,
    registrations: new Counter({
      name: 'delay_callback_registrations_total',
      help: 'Callbacks registered; replayed="true" for idempotent replays.',
      labelNames: ['app', 'replayed'] as const,
      registers,
    }),
    cancels: new Counter({ name: 'delay_callback_cancels_total', help: 'Callbacks cancelled through the API.', labelNames: ['app'] as const, registers }),
    reschedules: new Counter({ name: 'delay_callback_reschedules_total', help: 'Callbacks rescheduled through the API.', labelNames: ['app'] as const, registers }),
    redrives: new Counter({ name: 'delay_callback_redrives_total', help: 'Failed callbacks run again through the API.', labelNames: ['app'] as const, registers }),
    argsChecksSkipped: new Counter({
      name: 'delay_callback_args_checks_skipped_total',
      help: 'Registrations whose args were not checked against a declared schema because Redis did not answer.',
      labelNames: ['app'] as const,
      registers,
    }),
    fires: new Counter({ name: 'delay_callback_fires_total', help: 'Callbacks whose first attempt ran.', labelNames: ['app'] as const, registers }),
    attempts: new Counter({
      name: 'delay_callback_attempts_total',
      help: 'Attempts by outcome: succeeded, HANDLER_FAILED, HANDLER_RETURNED_FALSE, ATTEMPT_TIMEOUT, ALIAS_NOT_DEFINED, WORKER_LOST, or a webhook attempt error code (WEBHOOK_*).',
      labelNames: ['app', 'outcome'] as const,
      registers,
    }),
    finished: new Counter({
      name: 'delay_callback_finished_total',
      help: 'Callbacks that reached a final status (succeeded, failed, cancelled).',
      labelNames: ['app', 'status'] as const,
      registers,
    }),
    fireLateness: new Histogram({
      name: 'delay_callback_fire_lateness_seconds',
      help: 'Start of the first attempt (worker clock) minus the trigger time.',
      labelNames: ['app'] as const,
      buckets: LATENESS_BUCKETS_SECONDS,
      registers,
    }),
    httpDuration: new Histogram({
      name: 'delay_callback_http_request_duration_seconds',
      help: 'HTTP request latency of the facade.',
      labelNames: ['method', 'route', 'status_code'] as const,
      buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
      registers,
    }),
    webhookRequests: new Counter({
      name: 'delay_callback_webhook_requests_total',
      help: 'Webhook attempts by status class (2xx, 3xx, 4xx, 5xx; none without an answer) and outcome (succeeded or the attempt error code).',
      labelNames: ['app', 'status_class', 'outcome'] as const,
      registers,
    }),
    webhookDuration: new Histogram({
      name: 'delay_callback_webhook_request_duration_seconds',
      help: 'Webhook request duration, from connecting to the end of the answer, by status class.',
      labelNames: ['app', 'status_class'] as const,
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60],
      registers,
    }),
  };
  const webhookAttempt = (report: WebhookAttemptReport): void => {
    const statusClass = report.status === null ? 'none' : `${Math.floor(report.status / 100)}xx`;
    metrics.webhookRequests.inc({ app: report.app, status_class: statusClass, outcome: report.outcome });
    metrics.webhookDuration.observe({ app: report.app, status_class: statusClass }, report.durationMs / 1000);
  };
  const sink: CallbackMetricsSink = {
    attemptFinished: (app, outcome) => metrics.attempts.inc({ app, outcome }),
    fired: (app, latenessMs) => {
      metrics.fires.inc({ app });
      metrics.fireLateness.observe({ app }, latenessMs / 1000);
    },
    finished: (app, status) => metrics.finished.inc({ app, status }),
  };
  return { ...metrics, webhookAttempt, sink };
}
