/**
 * Hosts an application's handlers: a Temporal worker polling only the app's
 * own task queue `delay-callback.<app>`, running the callback activity, which
 * dispatches to the handler registered under the callback's alias.
 */
import { hostname } from 'node:os';
import { NativeConnection, Worker } from '@temporalio/worker';
import { createCallbackActivities, type AttemptReport, type CallbackHandler } from '../activities/invoke-callback.js';
import { appTaskQueue } from '../workflows/contract.js';
import type { DelayCallbackClientOptions } from './types.js';

export interface AppWorkerOptions {
  app: string;
  handlers: ReadonlyMap<string, CallbackHandler>;
  temporal: NonNullable<DelayCallbackClientOptions['temporal']>;
  maxConcurrentHandlers: number;
  shutdownGraceTimeMs: number;
  identity: string;
  onAttempt?: (report: AttemptReport) => void;
}

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
    });
    try {
      const worker = await Worker.create({
        connection,
        namespace: options.temporal.namespace ?? 'default',
        taskQueue: appTaskQueue(options.app),
        activities: createCallbackActivities({ handlers: options.handlers, onAttempt: options.onAttempt }),
        identity: options.identity,
        dataConverter: options.temporal.dataConverter,
        maxConcurrentActivityTaskExecutions: options.maxConcurrentHandlers,
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
