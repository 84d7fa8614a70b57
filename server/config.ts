/**
 * All configuration, read from the environment in one place and validated at
 * start-up. A bad value stops start-up with a message naming the variable.
 * The variables, their defaults and descriptions (the source of the table in
 * docs/configuration.md) are in config/variables.ts; the readers in config/.
 */
import { WebhookSecrets } from '../activities/webhook/secrets.js';
import { parseAllowedCidrs } from '../activities/webhook/target-policy.js';
import type { PayloadEncryptionKey } from '../client-sdk/codec/encryption-keys.js';
import { loadTemporalSettings, TemporalSettingsError, type TemporalSettings } from '../shared/temporal-settings.js';
import { MAX_DISPATCH_LEAD_MS } from '../workflows/contract.js';
import { ConfigError, envReader, parseDuration, parsed, VISIBLE_ASCII } from './config/env-reader.js';
import { encryptionKeys, parseTokens } from './config/secrets.js';
import { tracingConfig } from './config/tracing-config.js';

// The parts of the configuration that live in server/config/, importable from here as before.
export { ConfigError, parseDuration } from './config/env-reader.js';
export { CONFIG_VARIABLES, type ConfigVariable } from './config/variables.js';

export interface Config {
  host: string;
  port: number;
  logLevel: string;
  /** Temporal's standard connection settings (shared/temporal-settings.ts), and the Web UI. */
  temporal: TemporalSettings & { uiUrl: string };
  redis: { url: string; keyPrefix: string };
  idempotencyTtlSeconds: number;
  maxArgsBytes: number;
  maxHorizonSeconds: number;
  /** Schedules an app may have at once (POST beyond it: 409 SCHEDULE_LIMIT_REACHED). */
  maxSchedulesPerApp: number;
  /** Per-app bearer tokens (several allowed per app for rotation). */
  appTokens: ReadonlyMap<string, readonly string[]>;
  adminToken?: string;
  rateLimit: { max: number; windowMs: number };
  /** Run the service worker (the workflows) inside the facade process. */
  runWorker: boolean;
  worker: { maxCachedWorkflows: number; maxConcurrentWorkflowTasks: number };
  /** Bound on every call to Temporal or Redis made for a request; past it the answer is 503. */
  dependencyTimeoutMs: number;
  /** How long an app's stats are served again before they are computed anew (0: every time). */
  statsCacheMs: number;
  /** How attempts reach the app's workers (carried in each registration's workflow input). */
  dispatch: DispatchSettings;
  /** Public base URL of this API, for `links.self`; relative links when unset. */
  publicUrl?: string;
  /** How a registration learns its outcome when Temporal does not answer the start in time (docs/overload.md). */
  registration: { startTimeoutMs: number; outcomeGraceMs: number; outcomeCheckTimeoutMs: number };
  /** Admission control of registrations (docs/overload.md); 0 turns a check off. */
  admission: {
    maxInflightStarts: number;
    queueTimeoutMs: number;
    maxEventLoopDelayMs: number;
    maxHeapUsedBytes: number;
    retryAfterSeconds: number;
    /** Refuse registrations due within `dueSoonSeconds` while the fire backlog is older than this; 0: off. */
    maxFireBacklogSeconds: number;
    dueSoonSeconds: number;
  };
  /** How often the facade samples the task queues' backlog for /metrics; 0: never. */
  backlogSampleIntervalMs: number;
  /** Bulk registration: items registered at once per batch, and the batch route's body limit. */
  batch: { concurrency: number; maxBodyBytes: number };
  /** Compiled args-schema validators kept per process. */
  aliasSchemaCacheSize: number;
  webhooks: WebhookConfig;
  /** Payload encryption keys, the first encrypting; undefined: payloads are stored as they are. */
  payloadEncryptionKeys?: readonly PayloadEncryptionKey[];
  /** OpenTelemetry tracing; undefined: off, and nothing of it is loaded. */
  tracing?: TracingConfig;
}

export interface WebhookConfig {
  /** Per-app Standard Webhooks secrets; prints and serializes as `[redacted]`. */
  signingSecrets: WebhookSecrets;
  /** Ranges opened on top of the public internet (normalized CIDRs). */
  allowedCidrs: readonly string[];
  /** The most of a receiver's answer read (a larger 2xx body is not kept as the result). */
  maxResponseBytes: number;
  /** Webhook attempts the service worker runs at once. */
  maxConcurrentDeliveries: number;
}

/** Tracing is on: the OpenTelemetry SDK exports as the standard OTEL_* variables say. */
export interface TracingConfig {
  /** `service.name` of every span of this process. */
  serviceName: string;
}

export interface DispatchSettings {
  /** An attempt is dispatched this long before its due time; the app's worker holds it until then. 0: at the due time. */
  leadMs: number;
  /** Deliveries of one attempt after the first when its worker is lost, before the attempt fails with WORKER_LOST. */
  workerLossRedeliveries: number;
}

export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const { read, required, integer, bool, url, matching } = envReader(env);
  let temporal: TemporalSettings;
  try {
    temporal = loadTemporalSettings(env);
  } catch (err) {
    if (err instanceof TemporalSettingsError) throw new ConfigError(err.variable, err.problem);
    throw err;
  }

  const logLevel = required('LOG_LEVEL');
  if (!['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'].includes(logLevel)) {
    throw new ConfigError('LOG_LEVEL', `must be one of fatal, error, warn, info, debug, trace, silent (got "${logLevel}")`);
  }
  const keyPrefix = matching('REDIS_KEY_PREFIX', /^[\x21-\x7E]{1,128}$/, '1 to 128 visible ASCII characters') ?? required('REDIS_KEY_PREFIX');

  return {
    host: matching('HOST', /^[A-Za-z0-9.:%_-]+$/, 'a host name or IP address to bind, such as 127.0.0.1 or 0.0.0.0') ?? required('HOST'),
    port: integer('PORT', 0, 65_535),
    logLevel,
    temporal: { ...temporal, uiUrl: url('TEMPORAL_UI_URL', ['http:', 'https:']) },
    redis: { url: url('REDIS_URL', ['redis:', 'rediss:']), keyPrefix },
    idempotencyTtlSeconds: integer('IDEMPOTENCY_TTL_SECONDS', 1, 365 * 86_400),
    maxArgsBytes: integer('MAX_ARGS_BYTES', 2, 1_048_576),
    maxHorizonSeconds: integer('MAX_HORIZON_SECONDS', 1, 100 * 365 * 86_400),
    maxSchedulesPerApp: integer('MAX_SCHEDULES_PER_APP', 0, 100_000),
    appTokens: parseTokens(env, read),
    adminToken: matching('DELAY_CALLBACK_ADMIN_TOKEN', VISIBLE_ASCII, 'visible ASCII characters without spaces', true),
    rateLimit: { max: integer('RATE_LIMIT_MAX', 0, 100_000_000), windowMs: parseDuration('RATE_LIMIT_WINDOW', required('RATE_LIMIT_WINDOW')) },
    runWorker: bool('RUN_WORKER'),
    worker: {
      maxCachedWorkflows: integer('WORKER_MAX_CACHED_WORKFLOWS', 0, 1_000_000),
      maxConcurrentWorkflowTasks: integer('WORKER_MAX_CONCURRENT_WORKFLOW_TASKS', 2, 10_000),
    },
    dependencyTimeoutMs: integer('DEPENDENCY_TIMEOUT_MS', 100, 120_000),
    batch: { concurrency: integer('BATCH_CONCURRENCY', 1, 1_000), maxBodyBytes: integer('BATCH_MAX_BODY_BYTES', 1_024, 128 * 1_048_576) },
    aliasSchemaCacheSize: integer('ALIAS_SCHEMA_CACHE_SIZE', 1, 100_000),
    statsCacheMs: integer('STATS_CACHE_MS', 0, 300_000),
    dispatch: {
      leadMs: integer('DISPATCH_LEAD_MS', 0, MAX_DISPATCH_LEAD_MS),
      workerLossRedeliveries: integer('WORKER_LOSS_REDELIVERIES', 0, 100),
    },
    publicUrl: read('PUBLIC_URL') === undefined ? undefined : url('PUBLIC_URL', ['http:', 'https:']),
    webhooks: {
      signingSecrets: parsed('WEBHOOK_SIGNING_SECRETS', read('WEBHOOK_SIGNING_SECRETS') ?? '', WebhookSecrets.parse),
      allowedCidrs: parsed('WEBHOOK_ALLOWED_CIDRS', read('WEBHOOK_ALLOWED_CIDRS') ?? '', parseAllowedCidrs),
      maxResponseBytes: integer('WEBHOOK_MAX_RESPONSE_BYTES', 1024, 1_048_576),
      maxConcurrentDeliveries: integer('WEBHOOK_MAX_CONCURRENT_DELIVERIES', 1, 10_000),
    },
    registration: {
      startTimeoutMs: integer('REGISTRATION_START_TIMEOUT_MS', 100, 120_000),
      outcomeGraceMs: integer('REGISTRATION_OUTCOME_GRACE_MS', 0, 60_000),
      outcomeCheckTimeoutMs: integer('REGISTRATION_OUTCOME_CHECK_TIMEOUT_MS', 100, 120_000),
    },
    admission: {
      maxInflightStarts: integer('ADMISSION_MAX_INFLIGHT_STARTS', 0, 100_000),
      queueTimeoutMs: integer('ADMISSION_QUEUE_TIMEOUT_MS', 0, 60_000),
      maxEventLoopDelayMs: integer('ADMISSION_MAX_EVENT_LOOP_DELAY_MS', 0, 60_000),
      maxHeapUsedBytes: integer('ADMISSION_MAX_HEAP_USED_BYTES', 0, Number.MAX_SAFE_INTEGER),
      retryAfterSeconds: integer('ADMISSION_RETRY_AFTER_SECONDS', 1, 3_600),
      maxFireBacklogSeconds: integer('ADMISSION_MAX_FIRE_BACKLOG_SECONDS', 0, 86_400),
      dueSoonSeconds: integer('ADMISSION_DUE_SOON_SECONDS', 0, 315_360_000),
    },
    backlogSampleIntervalMs: integer('BACKLOG_SAMPLE_INTERVAL_MS', 0, 3_600_000),
    payloadEncryptionKeys: encryptionKeys(read('PAYLOAD_ENCRYPTION_KEYS')),
    tracing: tracingConfig(read, bool),
  };
}
