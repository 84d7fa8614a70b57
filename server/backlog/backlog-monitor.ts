/**
 * Samples, on a timer, how far behind firing is, and exposes it as Prometheus
 * gauges: the service task queue's backlog (due callbacks waiting for a service
 * worker), each known app's task queue backlog (attempts waiting for the app's
 * workers) and pollers, and the number of callbacks due but not yet started
 * (Temporal visibility). A few cheap calls per interval, whatever the scrape rate.
 * Known apps: those with a configured token, and those this facade served lately.
 */
import type { Client } from '@temporalio/client';
import { Counter, Gauge, type Registry } from 'prom-client';
import { SERVICE_TASK_QUEUE, appTaskQueue } from '../../workflows/contract.js';
import { dueQuery } from '../callbacks/visibility-query.js';
import { replaceMetrics } from '../admission/admission-metrics.js';
import { describeTaskQueueBacklog, type TaskQueueBacklog } from './task-queue-backlog.js';

const GAUGE_NAMES = [
  'delay_callback_task_queue_backlog_tasks',
  'delay_callback_task_queue_backlog_age_seconds',
  'delay_callback_task_queue_pollers',
  'delay_callback_due_callbacks',
  'delay_callback_backlog_sampled_timestamp_seconds',
  'delay_callback_backlog_sample_failures_total',
];

export interface BacklogSnapshot {
  sampledAt: number;
  serviceQueue: TaskQueueBacklog;
  appQueues: TaskQueueBacklog[];
  /** Callbacks of every app whose trigger passed and whose first attempt has not started. */
  dueCallbacks: number;
}

export interface BacklogMonitorOptions {
  client: Client;
  namespace: string;
  /** 0: never sample. */
  intervalMs: number;
  /** Runs one Temporal call within the service's usual bound. */
  call: <T>(fn: () => Promise<T>) => Promise<T>;
  /** Apps always sampled (those with a configured token). */
  knownApps: Iterable<string>;
  registry: Registry;
  onError?: (err: unknown) => void;
}

/** Apps sampled at most, besides the configured ones; the least recently seen go first. */
const MAX_SEEN_APPS = 100;
/** An app this facade has not served for this long is no longer sampled. */
const SEEN_APP_TTL_MS = 3_600_000;

export class BacklogMonitor {
  private readonly seenApps = new Map<string, number>();
  private readonly knownApps: Set<string>;
  private timer: NodeJS.Timeout | undefined;
  private snapshot: BacklogSnapshot | undefined;
  private readonly gauges;

  constructor(private readonly options: BacklogMonitorOptions) {
    this.knownApps = new Set(options.knownApps);
    replaceMetrics(options.registry, ...GAUGE_NAMES);
    const registers = [options.registry];
    const labelNames = ['task_queue', 'type'] as const;
    this.gauges = {
      tasks: new Gauge({ name: 'delay_callback_task_queue_backlog_tasks', help: 'Tasks waiting in a task queue (approximate; Temporal DescribeTaskQueue).', labelNames, registers }),
      age: new Gauge({ name: 'delay_callback_task_queue_backlog_age_seconds', help: 'Age of the oldest task waiting in a task queue.', labelNames, registers }),
      pollers: new Gauge({ name: 'delay_callback_task_queue_pollers', help: 'Pollers Temporal saw recently on a task queue (0: no worker).', labelNames, registers }),
      due: new Gauge({ name: 'delay_callback_due_callbacks', help: 'Callbacks whose trigger time passed and whose first attempt has not started (all apps; Temporal visibility).', registers }),
      sampledAt: new Gauge({ name: 'delay_callback_backlog_sampled_timestamp_seconds', help: 'When the backlog gauges were last sampled.', registers }),
      failures: new Counter({ name: 'delay_callback_backlog_sample_failures_total', help: 'Backlog samples that failed (Temporal did not answer).', registers }),
    };
  }

  /** Remembers that this facade served `app`, so its queue is sampled too. */
  noteApp(app: string): void {
    if (this.knownApps.has(app)) return;
    this.seenApps.delete(app);
    this.seenApps.set(app, Date.now());
    if (this.seenApps.size > MAX_SEEN_APPS) this.forget(this.seenApps.keys().next().value as string);
  }

  /** The latest sample, if any. */
  latest(): BacklogSnapshot | undefined {
    return this.snapshot;
  }

  /** How long the oldest due callback has waited for a service worker, seconds, at the latest sample. */
  serviceQueueAgeSeconds(): number | undefined {
    return this.snapshot === undefined ? undefined : this.snapshot.serviceQueue.oldestAgeMs / 1000;
  }

  start(): void {
    if (this.options.intervalMs <= 0 || this.timer) return;
    const tick = async (): Promise<void> => {
      await this.sample().catch((err: unknown) => {
        this.gauges.failures.inc();
        this.options.onError?.(err);
      });
      if (this.timer) this.timer.refresh();
    };
    this.timer = setTimeout(() => void tick(), this.options.intervalMs);
    this.timer.unref();
    void tick();
  }

  stop(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
  }

  /** One sample of every gauge. */
  async sample(): Promise<BacklogSnapshot> {
    const { client, namespace, call } = this.options;
    const now = Date.now();
    for (const [app, seenAt] of this.seenApps) if (now - seenAt > SEEN_APP_TTL_MS) this.forget(app);
    const apps = [...this.knownApps, ...this.seenApps.keys()];
    const [serviceQueue, appQueues, due] = await Promise.all([
      call(() => describeTaskQueueBacklog(client, namespace, SERVICE_TASK_QUEUE, 'workflow')),
      Promise.all(apps.map((app) => call(() => describeTaskQueueBacklog(client, namespace, appTaskQueue(app), 'activity')))),
      call(() => client.workflowService.countWorkflowExecutions({ namespace, query: dueQuery(undefined, now) })),
    ]);
    for (const queue of [serviceQueue, ...appQueues]) {
      const labels = { task_queue: queue.taskQueue, type: queue.type };
      this.gauges.tasks.set(labels, queue.tasks);
      this.gauges.age.set(labels, queue.oldestAgeMs / 1000);
      this.gauges.pollers.set(labels, queue.pollers);
    }
    const dueCallbacks = Number(due.count ?? 0);
    this.gauges.due.set(dueCallbacks);
    this.gauges.sampledAt.set(Date.now() / 1000);
    this.snapshot = { sampledAt: Date.now(), serviceQueue, appQueues, dueCallbacks };
    return this.snapshot;
  }

  private forget(app: string): void {
    this.seenApps.delete(app);
    const labels = { task_queue: appTaskQueue(app), type: 'activity' };
    this.gauges.tasks.remove(labels);
    this.gauges.age.remove(labels);
    this.gauges.pollers.remove(labels);
  }
}
