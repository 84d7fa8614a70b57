/**
 * Hosts an application's handlers: a Temporal worker polling only the app's
 * own task queue `delay-callback.<app>`, running the callback activity, which
 * dispatches to the handler registered under the callback's alias.
 */
import { hostname } from 'node:os';
import type { DataConverter } from '@temporalio/common';
import { NativeConnection, Worker } from '@temporalio/worker';
import { attemptRpcFor } from '../activities/attempt-rpc.js';
import { createCallbackActivities, type AttemptReport, type CallbackHandler } from '../activities/invoke-callback.js';
import { appTaskQueue } from '../workflows/contract.js';
import { DelayCallbackError } from './errors.js';
import type { DelayCallbackClientOptions } from './types.js';

export interface AppWorkerOptions {
  app: string;
  handlers: ReadonlyMap<string, CallbackHandler>;
  temporal: NonNullable<DelayCallbackClientOptions['temporal']>;
  maxConcurrentHandlers: number;
  /** Attempts held until their due time at once (pre-dispatch), beside the running handlers. */
  maxArmedAttempts: number;
  shutdownGraceTimeMs: number;
  identity: string;
  onAttempt?: (report: AttemptReport) => void;
  /** `temporal.dataConverter` with payload encryption added when keys are set. @default Temporal's default converter */
  dataConverter?: DataConverter;
  /** Temporal's activity interceptors and a span around each handler (client-sdk/tracing.ts). */
  tracing: boolean;
}

/**
 * Longest spacing of the heartbeats the SDK's core sends for a running handler: a workflow asking the
 * attempt to stand down learns within about this long that the handler had started (its update
 * answers CALLBACK_RUNNING). Each heartbeat sent is one write in Temporal, for handlers running longer.
 */
export const HEARTBEAT_THROTTLE_MS = 2_000;

export function defaultIdentity(app: string): string {
  return `${app}@${hostname()}:${process.pid}`;
}

/** A running app worker; `stop()` lets in-flight handlers finish (up to the grace time). */
export class AppWorker {
  private constructor(
    private readonly worker: Worker,
    private readonly connection: NativeConnection,
    private readonly running: Promise<void>,
  ) {}

  static async start(options: AppWorkerOptions): Promise<AppWorker> {
    const connection = await NativeConnection.connect({
      address: options.temporal.address ?? '127.0.0.1:7233',
      tls: options.temporal.tls,
      apiKey: options.temporal.apiKey,
      metadata: options.temporal.metadata,
    });
    try {
      const namespace = options.temporal.namespace ?? 'default';
      // Loaded only when on, so a worker without tracing loads nothing of OpenTelemetry.
      const tracing = options.tracing ? await loadTracing() : undefined;
      const worker = await Worker.create({
        connection,
        namespace,
        taskQueue: appTaskQueue(options.app),
        activities: createCallbackActivities({
          handlers: tracing ? tracing.tracedHandlers(options.handlers) : options.handlers,
          maxConcurrentHandlers: options.maxConcurrentHandlers,
          onAttempt: options.onAttempt,
          rpc: attemptRpcFor(connection, namespace, options.identity),
        }),
        interceptors: tracing ? { activity: tracing.tracingActivityInterceptors() } : undefined,
        dataConverter: options.dataConverter,
        identity: options.identity,
        maxHeartbeatThrottleInterval: HEARTBEAT_THROTTLE_MS,
        // An attempt takes a slot of Temporal's from its arrival (up to DISPATCH_LEAD_MS early) to its end;
        // handlers are bounded inside (activities/handler-slots.ts).
        maxConcurrentActivityTaskExecutions: options.maxConcurrentHandlers + options.maxArmedAttempts,
        shutdownGraceTime: options.shutdownGraceTimeMs,
      });
      const running = worker.run();
      // Surface a fatal worker error through stop() rather than as an unhandled rejection.
      running.catch(() => undefined);
      return new AppWorker(worker, connection, running);
    } catch (err) {
      await connection.close();
      throw err;
    }
  }

  get state(): string {
    return this.worker.getState();
  }

  async stop(): Promise<void> {
    if (this.worker.getState() === 'RUNNING') this.worker.shutdown();
    try {
      await this.running;
    } finally {
      await this.connection.close();
    }
  }
}

async function loadTracing(): Promise<typeof import('./tracing.js')> {
  try {
    return await import('./tracing.js');
  } catch (err) {
    throw new DelayCallbackError(
      'INVALID_CONFIGURATION',
      `tracing is on but its packages did not load (install @opentelemetry/api and @temporalio/interceptors-opentelemetry): ${(err as Error).message}`,
      0,
      undefined,
      { cause: err },
    );
  }
}
