/**
 * The service worker: runs the `delayCallback` workflows on the `delay-callback`
 * task queue, and the webhook deliveries (`deliverWebhook`, mostly as local
 * activities); SDK callbacks run on each application's own worker.
 * It runs inside the facade by default, or alone (`worker-main.ts`) to scale
 * separately; a supervisor reconnects and restarts it after a fatal error.
 */
import { createRequire } from 'node:module';
import { existsSync } from 'node:fs';
import { hostname } from 'node:os';
import { fileURLToPath } from 'node:url';
import { Worker as Thread } from 'node:worker_threads';
import type { DataConverter } from '@temporalio/common';
import { Worker, type InjectedSinks, type NativeConnection, type WorkerOptions } from '@temporalio/worker';
import type { FastifyBaseLogger } from 'fastify';
import { SERVICE_TASK_QUEUE, type CallbackSinks } from '../workflows/contract.js';
import type { WebhookActivities } from '../workflows/webhook-contract.js';
import { createWebhookActivities } from '../activities/webhook/deliver-webhook.js';
import { TargetPolicy } from '../activities/webhook/target-policy.js';
import type { Config } from './config.js';
import type { ServiceMetrics } from './metrics.js';
import { connectNative } from './temporal/connection.js';
import type { ServiceWorkerTracing } from './tracing/index.js';
import { SERVICE_VERSION } from './version.js';

export interface ServiceWorkerOptions {
  connection: NativeConnection;
  namespace: string;
  metrics?: ServiceMetrics;
  /** A prebuilt bundle (tests build one per run); otherwise `workflows/` is bundled at start, in a thread. */
  workflowBundle?: { codePath: string } | { code: string };
  /** Sleeping callbacks are evicted from this cache rather than pinned in memory. @default 1000 */
  maxCachedWorkflows?: number;
  /** @default 100 */
  maxConcurrentWorkflowTaskExecutions?: number;
  identity?: string;
  /**
   * Payload codecs (encryption, for example); the facade's client and every app worker must use
   * the same. @default Temporal's default converter, no codec
   */
  dataConverter?: DataConverter;
  /** The webhook delivery activity (see {@link webhookActivitiesFrom}); without it webhook attempts find no implementation. */
  webhookActivities?: WebhookActivities;
  /** Webhook attempts run at once (local and regular activities each). @default 100 */
  maxConcurrentDeliveries?: number;
  /** Interceptors and the span sink when tracing is on (server/tracing). @default no tracing */
  tracing?: ServiceWorkerTracing;
}

/** The webhook delivery with its dependencies from configuration: secrets, target policy, limits, metrics. */
export function webhookActivitiesFrom(config: Config, metrics: ServiceMetrics | undefined): WebhookActivities {
  return createWebhookActivities({
    secrets: config.webhooks.signingSecrets,
    policy: new TargetPolicy(config.webhooks.allowedCidrs),
    maxResponseBytes: config.webhooks.maxResponseBytes,
    userAgent: `delay-callback/${SERVICE_VERSION}`,
    onAttempt: metrics?.webhookAttempt,
  });
}

/** `workflows/index` next to this module (`.ts` when run from source, `.js` when built). */
export function workflowsPath(): string {
  const extension = import.meta.url.endsWith('.ts') ? '.ts' : '.js';
  return fileURLToPath(new URL(`../workflows/index${extension}`, import.meta.url));
}

/** Where `npm run build` puts the workflow bundle (dist/workflows/bundle.js). */
export function prebuiltBundlePath(): string {
  const distRoot = import.meta.url.endsWith('.ts') ? new URL('../dist/', import.meta.url) : new URL('../', import.meta.url);
  return fileURLToPath(new URL('workflows/bundle.js', distRoot));
}

/** What goes into a workflow bundle beside `workflows/`: both are off in the prebuilt one. */
export interface BundleVariant {
  /** The encrypting failure converter (payload encryption on). */
  failureConverterPath?: string;
  /** The tracing interceptors (tracing on). */
  workflowInterceptorModules?: string[];
}

/**
 * The bundle `npm run build` made when running built code and neither encryption nor tracing asks for
 * more, else `workflows/` bundled now (in a thread) with what they ask for.
 */
async function workflowBundle(variant: BundleVariant): Promise<NonNullable<WorkerOptions['workflowBundle']>> {
  const prebuilt = prebuiltBundlePath();
  const plain = variant.failureConverterPath === undefined && !variant.workflowInterceptorModules?.length;
  if (plain && !import.meta.url.endsWith('.ts') && existsSync(prebuilt)) return { codePath: prebuilt };
  return { code: await bundleInThread(workflowsPath(), variant) };
}

/**
 * Bundles the workflow code with webpack in a worker thread. Bundling in this process would leave its
 * heap (about 40 MB of RSS) behind for the life of the worker; the thread's goes when it exits.
 */
async function bundleInThread(path: string, variant: BundleVariant): Promise<string> {
  const thread = new Thread(BUNDLER_THREAD, {
    eval: true,
    workerData: { path, variant, sdk: createRequire(import.meta.url).resolve('@temporalio/worker') },
  });
  return new Promise<string>((resolve, reject) => {
    thread.once('message', (code: string) => resolve(code));
    thread.once('error', reject);
    thread.once('exit', (exitCode) => reject(new Error(`the workflow bundler thread exited (${exitCode}) without a bundle`)));
  });
}

const BUNDLER_THREAD = `
const { parentPort, workerData } = require('node:worker_threads');
const { bundleWorkflowCode } = require(workerData.sdk);
const quiet = () => undefined;
const logger = { trace: quiet, debug: quiet, info: quiet, log: quiet, warn: console.warn, error: console.error };
bundleWorkflowCode({ workflowsPath: workerData.path, ...workerData.variant, logger }).then(({ code }) => parentPort.postMessage(code));
`;

function metricsSinks(metrics: ServiceMetrics | undefined): InjectedSinks<CallbackSinks> {
  const sink = metrics?.sink;
  // callDuringReplay is false by default: a replayed workflow does not count twice.
  return {
    callbackMetrics: {
      attemptFinished: { fn: (_info, app, outcome) => sink?.attemptFinished(app, outcome) },
      fired: { fn: (_info, app, latenessMs) => sink?.fired(app, latenessMs) },
      finished: { fn: (_info, app, status) => sink?.finished(app, status) },
    },
  };
}

export async function createServiceWorker(options: ServiceWorkerOptions): Promise<Worker> {
  return Worker.create({
    connection: options.connection,
    namespace: options.namespace,
    taskQueue: SERVICE_TASK_QUEUE,
    workflowBundle:
      options.workflowBundle ??
      (await workflowBundle({
        failureConverterPath: options.dataConverter?.failureConverterPath,
        workflowInterceptorModules: options.tracing?.workflowInterceptorModules,
      })),
    sinks: { ...metricsSinks(options.metrics), ...options.tracing?.sinks },
    interceptors: options.tracing ? { activity: options.tracing.activityInterceptors } : undefined,
    activities: options.webhookActivities ?? {},
    maxConcurrentLocalActivityExecutions: options.maxConcurrentDeliveries ?? 100,
    maxConcurrentActivityTaskExecutions: options.maxConcurrentDeliveries ?? 100,
    // Regular (non-local) webhook activities are only the rare long attempts: two pollers suffice.
    activityTaskPollerBehavior: { type: 'simple-maximum', maximum: 2 },
    dataConverter: options.dataConverter,
    maxCachedWorkflows: options.maxCachedWorkflows ?? 1000,
    maxConcurrentWorkflowTaskExecutions: options.maxConcurrentWorkflowTaskExecutions ?? 100,
    identity: options.identity ?? `delay-callback-service@${hostname()}:${process.pid}`,
    // Workflow tasks are small and frequent. Most of ours are non-sticky: a registration's first task, and
    // the fire of a callback long evicted from the cache. The SDK's default split (0.2) left one poller on
    // that queue, which capped how fast new callbacks got their timer (npm run bench, docs/performance.md).
    workflowTaskPollerBehavior: { type: 'simple-maximum', maximum: 10 },
    nonStickyToStickyPollRatio: 0.5,
  });
}

export type ServiceWorkerState = 'starting' | 'running' | 'stopping' | 'stopped';

export interface ServiceWorkerHandle {
  state(): ServiceWorkerState;
  /** Graceful: in-flight workflow tasks finish. */
  stop(): Promise<void>;
}

/**
 * Keeps a service worker running: connects, creates it, runs it, and after a fatal
 * error (Temporal gone for long) starts over after a pause, until stopped.
 */
export function superviseServiceWorker(
  config: Config,
  options: {
    metrics?: ServiceMetrics;
    log: FastifyBaseLogger;
    workflowBundle?: { codePath: string } | { code: string };
    retryDelayMs?: number;
    dataConverter?: DataConverter;
    tracing?: ServiceWorkerTracing;
  },
): ServiceWorkerHandle {
  let state: ServiceWorkerState = 'starting';
  let current: Worker | undefined;
  let stopping = false;
  let wake: (() => void) | undefined;
  // Built once: its connection pools outlive a restart of the worker.
  const webhookActivities = webhookActivitiesFrom(config, options.metrics);
  const { allowedCidrs, signingSecrets } = config.webhooks;
  if (allowedCidrs.length > 0) {
    options.log.warn({ allowedCidrs }, 'webhooks may reach these ranges besides public addresses (WEBHOOK_ALLOWED_CIDRS)');
  }
  options.log.info({ signingSecrets: signingSecrets.describe() }, 'webhook signing secrets loaded (counts only)');

  const loop = async (): Promise<void> => {
    while (!stopping) {
      let connection: NativeConnection | undefined;
      try {
        connection = await connectNative(config.temporal);
        current = await createServiceWorker({
          connection,
          namespace: config.temporal.namespace,
          metrics: options.metrics,
          workflowBundle: options.workflowBundle,
          dataConverter: options.dataConverter,
          tracing: options.tracing,
          maxCachedWorkflows: config.worker.maxCachedWorkflows,
          maxConcurrentWorkflowTaskExecutions: config.worker.maxConcurrentWorkflowTasks,
          webhookActivities,
          maxConcurrentDeliveries: config.webhooks.maxConcurrentDeliveries,
        });
        if (stopping) break;
        state = 'running';
        options.log.info({ taskQueue: SERVICE_TASK_QUEUE }, 'service worker running');
        await current.run();
      } catch (err) {
        if (!stopping) options.log.error({ err }, 'service worker stopped with an error; restarting');
      } finally {
        current = undefined;
        await connection?.close().catch(() => undefined);
      }
      if (stopping) break;
      state = 'starting';
      await new Promise<void>((resolve) => {
        wake = resolve;
        setTimeout(resolve, options.retryDelayMs ?? 2_000);
      });
    }
    state = 'stopped';
  };
  const done = loop();

  return {
    state: () => state,
    async stop() {
      stopping = true;
      state = 'stopping';
      wake?.();
      if (current && current.getState() === 'RUNNING') current.shutdown();
      await done;
    },
  };
}
