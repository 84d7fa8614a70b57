/**
 * A whole delay-callback stack inside a test file, against the run's real
 * Temporal and Redis: the facade listening on a free port, its service worker,
 * and SDK clients (each an application with its own worker) on demand.
 */
import { randomBytes } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { Client, Connection } from '@temporalio/client';
import type { DataConverter } from '@temporalio/common';
import type { FastifyInstance, FastifyServerOptions } from 'fastify';
import type { Redis } from 'ioredis';
import pino from 'pino';
import { inject } from 'vitest';
import { DelayCallbackClient } from '../../client-sdk/index.js';
import type { DelayCallbackClientOptions } from '../../client-sdk/types.js';
import { withPayloadEncryption } from '../../client-sdk/codec/data-converter.js';
import { buildApp } from '../../server/app.js';
import { loadConfig, type Config } from '../../server/config.js';
import { createServiceMetrics, type ServiceMetrics } from '../../server/metrics.js';
import { createRedisClient } from '../../server/redis.js';
import { installTemporalRuntime } from '../../server/temporal/runtime.js';
import type { Tracing } from '../../server/tracing/index.js';
import { superviseServiceWorker, type ServiceWorkerHandle } from '../../server/worker.js';
import { waitFor } from '../../scripts/lib/wait-for.js';

/** A name no other test (or earlier run) uses: apps, keys, prefixes. */
export function uniqueName(prefix: string): string {
  return `${prefix}-${randomBytes(4).toString('hex')}`;
}

export interface TestStackOptions {
  /** Environment on top of the test defaults. */
  env?: Record<string, string>;
  /** Run the service worker in this process. @default true */
  serviceWorker?: boolean;
  /** Fastify logger option of the facade (e.g. loggerOptions(level, stream) to capture lines). @default false */
  logger?: FastifyServerOptions['logger'];
  /** Collect Node's default process metrics too. @default false */
  defaultMetrics?: boolean;
  /**
   * Payload codecs of the facade's client, its service worker and the SDK clients' workers (with
   * PAYLOAD_ENCRYPTION_KEYS in `env`, encryption comes after them). @default none
   */
  dataConverter?: DataConverter;
  /** The service worker's workflow bundle (encryption and tracing need their own). @default the run's plain bundle */
  workflowBundle?: { codePath: string } | { code: string };
  /** Tracing of the facade, its worker and the SDK clients' workers (server/tracing). @default off */
  tracing?: Tracing;
  /** Port of the facade. @default a free one */
  port?: number;
}

export interface TestStack {
  config: Config;
  app: FastifyInstance;
  baseUrl: string;
  temporal: Client;
  redis: Redis;
  metrics: ServiceMetrics;
  worker?: ServiceWorkerHandle;
  /** An SDK client for `app` (not started). */
  client(app: string, options?: Partial<DelayCallbackClientOptions>): DelayCallbackClient;
  /** JSON request to the facade through a real socket. */
  http(method: string, path: string, body?: unknown, headers?: Record<string, string>): Promise<{ status: number; headers: Headers; body: any }>;
  close(): Promise<void>;
}

export function testEnv(extra: Record<string, string> = {}): Record<string, string> {
  return {
    TEMPORAL_ADDRESS: inject('temporalAddress'),
    TEMPORAL_UI_URL: inject('temporalUiUrl'),
    REDIS_URL: inject('redisUrl'),
    REDIS_KEY_PREFIX: `${uniqueName('dc-test')}:`,
    HOST: '127.0.0.1',
    PORT: '0',
    LOG_LEVEL: 'silent',
    RATE_LIMIT_MAX: '0',
    // Tests poll stats until visibility catches up; the cache has tests of its own (ops-limits).
    STATS_CACHE_MS: '0',
    // Functional tests share two busy cores: admission control (tested on its own in overload.test.ts)
    // would refuse their bursts, and a start may take longer than the production bound.
    ADMISSION_MAX_INFLIGHT_STARTS: '0',
    ADMISSION_MAX_EVENT_LOOP_DELAY_MS: '0',
    REGISTRATION_START_TIMEOUT_MS: '5000',
    ...extra,
  };
}

export async function startTestStack(options: TestStackOptions = {}): Promise<TestStack> {
  installTemporalRuntime('error');
  const config = loadConfig(testEnv(options.env));
  const connection = await Connection.connect({ address: config.temporal.address });
  // With PAYLOAD_ENCRYPTION_KEYS in `env`, encryption after the given codecs, as main.ts and the SDK do.
  const dataConverter = config.payloadEncryptionKeys ? withPayloadEncryption(config.payloadEncryptionKeys, options.dataConverter) : options.dataConverter;
  const temporal = new Client({ connection, namespace: config.temporal.namespace, dataConverter, interceptors: options.tracing?.clientInterceptors });
  const redis = createRedisClient(config.redis.url, config.dependencyTimeoutMs);
  await waitFor('redis ready', async () => redis.status === 'ready', { timeoutMs: 10_000 });
  const metrics = createServiceMetrics({ defaultMetrics: options.defaultMetrics ?? false });
  const worker =
    options.serviceWorker === false
      ? undefined
      : superviseServiceWorker(config, {
          metrics,
          log: pino({ level: 'warn' }),
          workflowBundle: options.workflowBundle ?? { codePath: inject('workflowBundlePath') },
          dataConverter,
          tracing: options.tracing?.worker,
        });
  const app = await buildApp(config, { temporal, redis, metrics, workerState: worker?.state, logger: options.logger ?? false, tracing: options.tracing });
  // SPEC: never a 500. Every stack records any 500 it answers, and closing it fails the test file then.
  const internalErrors: string[] = [];
  app.server.on('request', (request: IncomingMessage, response: ServerResponse) => {
    response.once('finish', () => {
      if (response.statusCode === 500) internalErrors.push(`${request.method} ${request.url}`);
    });
  });
  await app.listen({ host: '127.0.0.1', port: options.port ?? 0 });
  const address = app.server.address();
  const baseUrl = typeof address === 'object' && address ? `http://127.0.0.1:${address.port}` : '';
  if (worker) await waitFor('service worker running', async () => worker.state() === 'running', { timeoutMs: 30_000 });

  const clients: DelayCallbackClient[] = [];
  return {
    config,
    app,
    baseUrl,
    temporal,
    redis,
    metrics,
    worker,
    client(appName, clientOptions = {}) {
      const client = new DelayCallbackClient({
        app: appName,
        serverUrl: baseUrl,
        temporal: { address: config.temporal.address, namespace: config.temporal.namespace, dataConverter: options.dataConverter },
        worker: { shutdownGraceTimeMs: 5_000 },
        // The stack's keys and tracing, never the test process's environment.
        payloadEncryptionKeys: config.payloadEncryptionKeys ?? false,
        tracing: options.tracing !== undefined,
        ...clientOptions,
      });
      clients.push(client);
      return client;
    },
    async http(method, path, body, headers = {}) {
      const response = await fetch(`${baseUrl}${path}`, {
        method,
        headers: { ...(body === undefined ? {} : { 'content-type': 'application/json' }), ...headers },
        body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
      });
      const text = await response.text();
      return { status: response.status, headers: response.headers, body: text ? JSON.parse(text) : undefined };
    },
    async close() {
      await Promise.all(clients.map((client) => client.stop()));
      await app.close();
      await worker?.stop();
      redis.disconnect();
      await connection.close();
      if (internalErrors.length > 0) throw new Error(`the facade answered 500 to: ${internalErrors.join(', ')}`);
    },
  };
}
