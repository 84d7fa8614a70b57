/**
 * Tracing, when the configuration turns it on: this module is all the rest of the
 * server imports, and it imports nothing of OpenTelemetry (types only), so with
 * tracing off no tracer provider, interceptor or instrumentation is loaded or
 * registered. On, ./open-telemetry.ts starts the OpenTelemetry SDK (OTLP export
 * as the standard OTEL_* variables say) and hands out what each part installs.
 */
import { fileURLToPath } from 'node:url';
import type { ClientInterceptors } from '@temporalio/client';
import type { ActivityInterceptorsFactory, InjectedSinks } from '@temporalio/worker';
import type { FastifyInstance } from 'fastify';
import type { TracingConfig } from '../config.js';

/** What each part of a process installs when tracing is on. */
export interface Tracing {
  /** Temporal client interceptors: StartWorkflow, signal, query and update spans, and the context in their headers. */
  clientInterceptors: ClientInterceptors;
  /** What the service worker installs: workflow interceptors (bundled), activity interceptors, the span sink. */
  worker: ServiceWorkerTracing;
  /** Registers the HTTP request spans (@fastify/otel) on the facade, before its routes. */
  registerHttp(app: FastifyInstance): Promise<void>;
  /** Flushes the spans still buffered and stops exporting. */
  shutdown(): Promise<void>;
}

export interface ServiceWorkerTracing {
  /** Module paths for the workflow bundle (workflows/tracing-interceptors). */
  workflowInterceptorModules: string[];
  activityInterceptors: ActivityInterceptorsFactory[];
  /** The `exporter` sink through which workflow spans leave the sandbox. */
  sinks: InjectedSinks<any>;
}

export interface StartTracingOptions {
  /** `delay_callback.process` of this process's spans. */
  process: 'facade' | 'service-worker';
  /**
   * A tracer provider to use instead of starting the OpenTelemetry SDK (tests pass one with an
   * in-memory exporter). It must be an `@opentelemetry/sdk-trace-base` 1.x provider; it is registered.
   */
  tracerProvider?: unknown;
}

/** Undefined when tracing is off (and then nothing is loaded). */
export async function startTracing(config: TracingConfig | undefined, options: StartTracingOptions): Promise<Tracing | undefined> {
  if (config === undefined) return undefined;
  const { startOpenTelemetry } = await import('./open-telemetry.js');
  return startOpenTelemetry(config, options);
}

/** `workflows/tracing-interceptors` (`.ts` from source, `.js` when built): the workflow interceptors to bundle. */
export function tracingInterceptorsPath(): string {
  const extension = import.meta.url.endsWith('.ts') ? '.ts' : '.js';
  return fileURLToPath(new URL(`../../workflows/tracing-interceptors${extension}`, import.meta.url));
}
