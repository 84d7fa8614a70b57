/**
 * buildApp: the Fastify facade with its plugins and routes, without listening
 * (tests use `app.inject` or listen on port 0). Connections are made by the
 * caller and passed in, so one Temporal connection and one Redis client serve
 * the whole process.
 */
import type { Client } from '@temporalio/client';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import underPressure from '@fastify/under-pressure';
import Fastify, { type FastifyInstance, type FastifyServerOptions } from 'fastify';
import type { Redis } from 'ioredis';
import { AliasService } from './aliases/alias-service.js';
import { AliasStore } from './aliases/alias-store.js';
import { ArgsContracts } from './aliases/args-contracts.js';
import { ArgsSchemaCompiler } from './aliases/args-schemas.js';
import { CallbackService } from './callbacks/service.js';
import { TargetPolicy } from '../activities/webhook/target-policy.js';
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
import { aliasRoutes } from './routes/aliases.js';
import { batchRoutes } from './routes/batch.js';
import { callbackRoutes } from './routes/callbacks.js';
import { codecRoutes } from './routes/codec.js';
import { listingRoutes } from './routes/listing.js';
import { scheduleRoutes } from './routes/schedules.js';
import { CallbackVisibility } from './callbacks/visibility.js';
import { ScheduleService } from './schedules/service.js';
import { opsRoutes } from './routes/ops.js';
import type { Tracing } from './tracing/index.js';
import { SERVICE_VERSION } from './version.js';
import { Admission } from './admission/admission.js';
import { registerAdmissionMetrics } from './admission/admission-metrics.js';
import { BacklogMonitor } from './backlog/backlog-monitor.js';

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
  /** HTTP request spans when tracing is on (server/tracing). @default none */
  tracing?: Pick<Tracing, 'registerHttp'>;
}

/** Room for the rest of the body around the largest `args`. */
const BODY_OVERHEAD_BYTES = 16 * 1024;
/** The alias lookup a registration makes is bounded tighter than other calls: past it the check is skipped. */
const ALIAS_LOOKUP_TIMEOUT_MS = 1_000;

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

  // First, so that every route's requests get their span.
  if (deps.tracing) await deps.tracing.registerHttp(app);
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

  // Sampling only (no thresholds, so no hook of its own): admission reads the samples and refuses registrations alone.
  await app.register(underPressure, { sampleInterval: 500 });

  const links = { uiUrl: config.temporal.uiUrl, namespace: config.temporal.namespace, publicUrl: config.publicUrl };
  const aliasStore = new AliasStore(deps.redis, { keyPrefix: config.redis.keyPrefix });
  const schemaCompiler = new ArgsSchemaCompiler({ maxCached: config.aliasSchemaCacheSize });
  const argsContracts = new ArgsContracts({
    store: aliasStore,
    compiler: schemaCompiler,
    lookupTimeoutMs: Math.min(ALIAS_LOOKUP_TIMEOUT_MS, config.dependencyTimeoutMs),
    onSkipped: (appName, alias, cause) => {
      deps.metrics.argsChecksSkipped.inc({ app: appName });
      app.log.warn({ app: appName, alias, err: cause }, 'args contract check skipped: the declared schema could not be read');
    },
  });
  // Called only once the service below exists (by requests and the backlog sampler's timer).
  const boundedTemporalCall = <T>(call: () => Promise<T>): Promise<T> => service.temporalCall(call);
  const backlog = new BacklogMonitor({
    client: deps.temporal,
    namespace: config.temporal.namespace,
    intervalMs: config.backlogSampleIntervalMs,
    call: boundedTemporalCall,
    knownApps: config.appTokens.keys(),
    registry: deps.metrics.registry,
    onError: (err) => app.log.debug({ err }, 'backlog sample failed'),
  });
  const admission: Admission = new Admission(config.admission, {
    processLoad: () => app.memoryUsage(),
    fireBacklogSeconds: () => backlog.serviceQueueAgeSeconds(),
    onRefused: (reason) => admissionMetrics.refused(reason),
  });
  const admissionMetrics = registerAdmissionMetrics(deps.metrics.registry, admission.limiter);
  const webhooks = { secrets: config.webhooks.signingSecrets, targetPolicy: new TargetPolicy(config.webhooks.allowedCidrs) };
  const service = new CallbackService({
    argsContracts,
    client: deps.temporal,
    idempotency: new IdempotencyStore(deps.redis, { keyPrefix: config.redis.keyPrefix, ttlSeconds: config.idempotencyTtlSeconds }),
    links,
    limits: { maxArgsBytes: config.maxArgsBytes, maxHorizonSeconds: config.maxHorizonSeconds },
    webhooks,
    dependencyTimeoutMs: config.dependencyTimeoutMs,
    registration: config.registration,
    admission,
    dispatch: config.dispatch,
    now: deps.now,
    onEvent: (event) => {
      if (event.type === 'start-outcome-checked') admissionMetrics.startOutcome(event.outcome);
      else if (event.type === 'registered') {
        deps.metrics.registrations.inc({ app: event.app, replayed: String(event.replayed) });
        backlog.noteApp(event.app);
      }
      else if (event.type === 'cancelled') deps.metrics.cancels.inc({ app: event.app });
      else if (event.type === 'redriven') deps.metrics.redrives.inc({ app: event.app });
      else deps.metrics.reschedules.inc({ app: event.app });
    },
  });

  await app.register(callbackRoutes, { service });
  await app.register(batchRoutes, { service, concurrency: config.batch.concurrency, bodyLimit: config.batch.maxBodyBytes });
  await app.register(aliasRoutes, {
    aliases: new AliasService({ store: aliasStore, compiler: schemaCompiler, dependencyTimeoutMs: config.dependencyTimeoutMs, now: deps.now }),
  });
  const visibility = new CallbackVisibility(deps.temporal, links, boundedTemporalCall, deps.now);
  await app.register(listingRoutes, { visibility, statsCacheMs: config.statsCacheMs });
  await app.register(scheduleRoutes, {
    service: new ScheduleService({
      client: deps.temporal,
      links,
      limits: { maxArgsBytes: config.maxArgsBytes, maxHorizonSeconds: config.maxHorizonSeconds, maxSchedulesPerApp: config.maxSchedulesPerApp },
      visibility,
      call: boundedTemporalCall,
      fire: { workerLossRedeliveries: config.dispatch.workerLossRedeliveries },
      webhooks,
      now: deps.now,
    }),
  });
  backlog.start();
  app.addHook('onClose', async () => backlog.stop());
  await app.register(codecRoutes, {
    prefix: '/codec',
    keys: config.payloadEncryptionKeys,
    namespace: config.temporal.namespace,
    uiUrl: config.temporal.uiUrl,
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
