/**
 * buildApp: the Fastify facade with its plugins and routes, without listening
 * (tests use `app.inject` or listen on port 0). Connections are made by the
 * caller and passed in, so one Temporal connection and one Redis client serve
 * the whole process.
 */
import type { Client } from '@temporalio/client';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import Fastify, { type FastifyInstance, type FastifyServerOptions } from 'fastify';
import type { Redis } from 'ioredis';
import { CallbackService } from './callbacks/service.js';
import type { Config } from './config.js';
import { IdempotencyStore } from './idempotency-store.js';
import type { ServiceMetrics } from './metrics.js';
import authPlugin from './plugins/auth.js';
import docsPlugin from './plugins/docs.js';
import errorsPlugin, { clientErrorHandler, frameworkErrors } from './plugins/errors.js';
import httpMetricsPlugin from './plugins/http-metrics.js';
import loggingPlugin, { loggerOptions, requestIdOf } from './plugins/logging.js';
import rateLimitPlugin from './plugins/rate-limit.js';
import shutdownPlugin from './plugins/shutdown.js';
import { installStrictValidation } from './plugins/validation.js';
import { callbackRoutes } from './routes/callbacks.js';
import { listingRoutes } from './routes/listing.js';
import { CallbackVisibility } from './callbacks/visibility.js';
import { opsRoutes } from './routes/ops.js';
import { SERVICE_VERSION } from './version.js';

export interface AppDependencies {
  temporal: Client;
  redis: Redis;
  metrics: ServiceMetrics;
  /** State of the in-process service worker, for /readyz; omit when it runs elsewhere. */
  workerState?: () => string;
  /** Fastify logger option. @default pino at config.logLevel */
  logger?: FastifyServerOptions['logger'];
  /** Clock, for tests. */
  now?: () => number;
}

/** Room for the rest of the body around the largest `args`. */
const BODY_OVERHEAD_BYTES = 16 * 1024;

export async function buildApp(config: Config, deps: AppDependencies): Promise<FastifyInstance> {
  const app = Fastify({
    logger: deps.logger ?? loggerOptions(config.logLevel),
    bodyLimit: config.maxArgsBytes + BODY_OVERHEAD_BYTES,
    // `__proto__` / `constructor` keys are plain data inside args; elsewhere the schemas reject them as unknown fields.
    onProtoPoisoning: 'ignore',
    onConstructorPoisoning: 'ignore',
    // The caller's x-request-id when sane (see requestIdOf), else a fresh UUID.
    requestIdHeader: false,
    genReqId: requestIdOf,
    // What fails before routing or in Node's HTTP parser gets the error envelope too.
    frameworkErrors,
    clientErrorHandler,
    routerOptions: { ignoreTrailingSlash: false, maxParamLength: 256 },
    // A request that reaches routing while closing is served, not refused with a bare 503 (plugins/shutdown.ts).
    return503OnClosing: false,
  }).withTypeProvider<TypeBoxTypeProvider>();

  installStrictValidation(app);
  // JSON only: text/plain (a Fastify default) would otherwise reach the schema as a string.
  app.removeContentTypeParser('text/plain');
  app.addHook('onSend', async (request, reply) => {
    reply.header('x-request-id', request.id);
  });

  await app.register(errorsPlugin);
  await app.register(shutdownPlugin);
  await app.register(loggingPlugin);
  await app.register(authPlugin, { appTokens: config.appTokens, adminToken: config.adminToken });
  if (!app.authEnabled) {
    app.log.warn(
      'NO TOKENS CONFIGURED: the API is open to anyone who can reach it. Set DELAY_CALLBACK_TOKENS or ' +
        'DELAY_CALLBACK_ADMIN_TOKEN before exposing it (development only).',
    );
  }
  await app.register(rateLimitPlugin, config.rateLimit);
  await app.register(httpMetricsPlugin, { metrics: deps.metrics });
  await app.register(docsPlugin, { version: SERVICE_VERSION, authEnabled: app.authEnabled });

  const links = { uiUrl: config.temporal.uiUrl, namespace: config.temporal.namespace, publicUrl: config.publicUrl };
  const service = new CallbackService({
    client: deps.temporal,
    idempotency: new IdempotencyStore(deps.redis, { keyPrefix: config.redis.keyPrefix, ttlSeconds: config.idempotencyTtlSeconds }),
    links,
    limits: { maxArgsBytes: config.maxArgsBytes, maxHorizonSeconds: config.maxHorizonSeconds },
    dependencyTimeoutMs: config.dependencyTimeoutMs,
    dispatch: config.dispatch,
    now: deps.now,
    onEvent: (event) => {
      if (event.type === 'registered') deps.metrics.registrations.inc({ app: event.app, replayed: String(event.replayed) });
      else if (event.type === 'cancelled') deps.metrics.cancels.inc({ app: event.app });
      else if (event.type === 'redriven') deps.metrics.redrives.inc({ app: event.app });
      else deps.metrics.reschedules.inc({ app: event.app });
    },
  });

  await app.register(callbackRoutes, { service });
  await app.register(listingRoutes, {
    visibility: new CallbackVisibility(deps.temporal, links, (call) => service.temporalCall(call), deps.now),
  });
  await app.register(opsRoutes, {
    registry: deps.metrics.registry,
    timeoutMs: config.dependencyTimeoutMs,
    checks: {
      redis: async () => {
        await deps.redis.ping();
      },
      temporal: async () => {
        // A deadline, so a probe against a dead server does not keep retrying after it answered.
        await deps.temporal.withDeadline(Date.now() + config.dependencyTimeoutMs, () => deps.temporal.workflowService.getSystemInfo({}));
      },
      worker: deps.workerState,
    },
  });
  return app;
}
