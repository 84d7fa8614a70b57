/**
 * All configuration, read from the environment in one place and validated at
 * start-up. A bad value stops start-up with a message naming the variable.
 * The table below is also the source of the table in docs/configuration.md.
 */
import { readFileSync } from 'node:fs';
import { WebhookSecrets } from '../activities/webhook/secrets.js';
import { parseAllowedCidrs } from '../activities/webhook/target-policy.js';
import { EncryptionKeysError, parseEncryptionKeys, type PayloadEncryptionKey } from '../client-sdk/codec/encryption-keys.js';
import { APP_NAME_PATTERN } from '../shared/schemas/common.js';
import { loadTemporalSettings, TemporalSettingsError, type TemporalSettings } from '../shared/temporal-settings.js';
import { MAX_DISPATCH_LEAD_MS } from '../workflows/contract.js';

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

export class ConfigError extends Error {
  readonly code = 'INVALID_CONFIGURATION';
  constructor(readonly variable: string, problem: string) {
    super(`Invalid configuration: ${variable} ${problem}`);
    this.name = 'ConfigError';
  }
}

export interface ConfigVariable {
  name: string;
  /** Shown in docs/configuration.md; undefined = unset by default. */
  default?: string;
  description: string;
}

/** Every variable the service reads, with its default: the table in docs/configuration.md. */
export const CONFIG_VARIABLES: readonly ConfigVariable[] = [
  { name: 'HOST', default: '127.0.0.1', description: 'Interface the HTTP facade binds (0.0.0.0 in containers).' },
  { name: 'PORT', default: '8080', description: 'Port of the HTTP facade.' },
  { name: 'LOG_LEVEL', default: 'info', description: 'pino log level: fatal, error, warn, info, debug, trace, silent.' },
  { name: 'TEMPORAL_ADDRESS', default: '127.0.0.1:7233', description: 'Temporal frontend, host:port.' },
  { name: 'TEMPORAL_NAMESPACE', default: 'default', description: 'Temporal namespace holding the callbacks.' },
  { name: 'TEMPORAL_UI_URL', default: 'http://127.0.0.1:8233', description: 'Temporal Web UI base URL, for `links.webUi`.' },
  { name: 'TEMPORAL_API_KEY', description: 'API key (Temporal Cloud), sent as a bearer token; turns TLS on unless `TEMPORAL_TLS=false`.' },
  { name: 'TEMPORAL_TLS', description: '`true`: TLS verified against the system roots (implied by any `TEMPORAL_TLS_*` setting or an API key); `false`: plain text even then.' },
  { name: 'TEMPORAL_TLS_SERVER_CA_CERT_PATH', description: 'PEM file of the CA that signed the Temporal server certificate.' },
  { name: 'TEMPORAL_TLS_SERVER_CA_CERT_DATA', description: 'The same CA as PEM text (instead of the path).' },
  { name: 'TEMPORAL_TLS_CLIENT_CERT_PATH', description: 'PEM client certificate for mTLS (self-hosted with client auth, Temporal Cloud with certificates).' },
  { name: 'TEMPORAL_TLS_CLIENT_CERT_DATA', description: 'The client certificate as PEM text (instead of the path).' },
  { name: 'TEMPORAL_TLS_CLIENT_KEY_PATH', description: 'PEM private key of the client certificate.' },
  { name: 'TEMPORAL_TLS_CLIENT_KEY_DATA', description: 'The private key as PEM text (instead of the path).' },
  { name: 'TEMPORAL_TLS_SERVER_NAME', description: 'Override of the TLS server name (SNI) to verify.' },
  { name: 'TEMPORAL_CONFIG_FILE', description: "Temporal's TOML config file; unset: `$XDG_CONFIG_HOME/temporalio/temporal.toml` (or `~/.config/...`) when it exists." },
  { name: 'TEMPORAL_PROFILE', description: 'Profile of the config file to use (`default` when unset). The variables above override its values.' },
  { name: 'REDIS_URL', default: 'redis://127.0.0.1:6379', description: 'Redis holding idempotency keys.' },
  { name: 'REDIS_KEY_PREFIX', default: 'delay-callback:', description: 'Prefix of every Redis key the service writes.' },
  { name: 'IDEMPOTENCY_TTL_SECONDS', default: '86400', description: 'How long an idempotency key is remembered.' },
  { name: 'MAX_ARGS_BYTES', default: '65536', description: 'Largest serialized `args` accepted (413 beyond).' },
  { name: 'MAX_HORIZON_SECONDS', default: '315360000', description: 'Furthest trigger time accepted, from now (10 years; 400 beyond).' },
  { name: 'MAX_SCHEDULES_PER_APP', default: '1000', description: 'Schedules (recurring callbacks) an app may have at once (409 SCHEDULE_LIMIT_REACHED beyond).' },
  { name: 'DELAY_CALLBACK_TOKENS', description: 'Per-app bearer tokens: `app=token,app2=token2` (an app may appear twice, for rotation).' },
  { name: 'DELAY_CALLBACK_TOKENS_FILE', description: 'File of `app=token` lines (whole-line `#` comments), merged with the above.' },
  { name: 'DELAY_CALLBACK_ADMIN_TOKEN', description: 'One token valid for every app.' },
  { name: 'RATE_LIMIT_MAX', default: '6000', description: 'Requests per token (or per client IP without one) per window; 0 turns limiting off.' },
  { name: 'RATE_LIMIT_WINDOW', default: '1 minute', description: 'The rate limit window, 1 ms to 1 day: `500 ms`, `30 s`, `1 minute`, `1 hour`.' },
  { name: 'RUN_WORKER', default: 'true', description: 'Run the service worker (the workflows) in the facade process; false to scale it separately.' },
  { name: 'WORKER_MAX_CACHED_WORKFLOWS', default: '1000', description: 'Sticky cache size of the service worker (sleeping callbacks are evicted, not pinned).' },
  { name: 'WORKER_MAX_CONCURRENT_WORKFLOW_TASKS', default: '100', description: 'Workflow tasks the service worker runs at once.' },
  { name: 'DEPENDENCY_TIMEOUT_MS', default: '5000', description: 'Bound on each Temporal/Redis call made for a request; past it the answer is 503.' },
  { name: 'BATCH_CONCURRENCY', default: '32', description: 'Items of one batch registered at once (`POST …/callbacks/batch`).' },
  { name: 'BATCH_MAX_BODY_BYTES', default: '8388608', description: 'Largest batch body (8 MiB; 413 beyond). Each item still has the `MAX_ARGS_BYTES` limit.' },
  { name: 'ALIAS_SCHEMA_CACHE_SIZE', default: '500', description: 'Compiled args-schema validators kept per process (least recently used dropped).' },
  { name: 'STATS_CACHE_MS', default: '5000', description: "How long an app's `/stats` answer is served again (9 visibility calls each); 0 computes it every time. Concurrent requests always share one computation." },
  { name: 'REGISTRATION_START_TIMEOUT_MS', default: '900', description: 'Bound on the Temporal start of a registration, its wait in the admission queue included (at most DEPENDENCY_TIMEOUT_MS); past it the facade asks Temporal whether the callback exists before answering.' },
  { name: 'REGISTRATION_OUTCOME_GRACE_MS', default: '200', description: 'Wait after a start\'s deadline before asking whether it landed (covers the request\'s transit to Temporal).' },
  { name: 'REGISTRATION_OUTCOME_CHECK_TIMEOUT_MS', default: '400', description: 'Bound on that question; past it the answer is 503 REGISTRATION_OUTCOME_UNKNOWN.' },
  { name: 'ADMISSION_MAX_INFLIGHT_STARTS', default: '8', description: 'Registration starts in flight to Temporal at once per facade; more wait in a queue. 0 turns the limit off.' },
  { name: 'ADMISSION_QUEUE_TIMEOUT_MS', default: '250', description: 'Longest wait in that queue; past it the registration is refused 429 OVERLOADED.' },
  { name: 'ADMISSION_MAX_EVENT_LOOP_DELAY_MS', default: '500', description: 'Refuse registrations 429 OVERLOADED while the facade\'s event loop lags more than this (mean over half a second); 0: off.' },
  { name: 'ADMISSION_MAX_HEAP_USED_BYTES', default: '0', description: 'Refuse registrations 429 OVERLOADED while the facade\'s V8 heap holds more than this; 0: off.' },
  { name: 'ADMISSION_RETRY_AFTER_SECONDS', default: '1', description: 'Retry-After of a 429 OVERLOADED.' },
  { name: 'ADMISSION_MAX_FIRE_BACKLOG_SECONDS', default: '0', description: 'Refuse registrations due within ADMISSION_DUE_SOON_SECONDS while the oldest task of the service task queue (due callbacks waiting for a service worker) has waited longer than this; 0: off.' },
  { name: 'ADMISSION_DUE_SOON_SECONDS', default: '60', description: 'What "due soon" means for the rule above.' },
  { name: 'BACKLOG_SAMPLE_INTERVAL_MS', default: '10000', description: 'How often the facade samples the task queues\' backlog for /metrics (and the rule above); 0: never.' },
  { name: 'DISPATCH_LEAD_MS', default: '2000', description: 'Pre-dispatch: an attempt goes to the app\'s worker this long before it is due and starts on the due millisecond of the worker\'s clock (0 to 5000; 0 turns it off).' },
  { name: 'WORKER_LOSS_REDELIVERIES', default: '3', description: 'Deliveries of one attempt after the first when its worker is lost (heartbeat timeout, shutdown); then the attempt fails with `WORKER_LOST` (0 to 100).' },
  { name: 'PUBLIC_URL', description: 'Public base URL of the API for absolute `links.self`; relative links when unset.' },
  {
    name: 'WEBHOOK_SIGNING_SECRETS',
    description: 'Webhook signing secrets: `app=whsec_...` entries, `*=whsec_...` for apps without their own; an app listed twice is signed with both (current first). Never logged.',
  },
  {
    name: 'WEBHOOK_ALLOWED_CIDRS',
    description: 'Ranges webhooks may reach besides public addresses, e.g. `10.20.0.0/16,fd00:1::/64` (private, loopback and link-local are blocked otherwise).',
  },
  { name: 'WEBHOOK_MAX_RESPONSE_BYTES', default: '65536', description: "Most of a receiver's answer read; a larger 2xx body is not kept as the result (null)." },
  { name: 'WEBHOOK_MAX_CONCURRENT_DELIVERIES', default: '100', description: 'Webhook attempts one service worker runs at once.' },
  { name: 'PAYLOAD_ENCRYPTION_KEYS', description: 'Encrypts payloads in Temporal (AES-256-GCM): `<keyId>=<base64 of 32 bytes>`, comma-separated; the first encrypts, all decrypt. The same value on the facade, the service worker and every app worker.' },
  { name: 'OTEL_TRACES_EXPORTER', description: 'OpenTelemetry traces: `otlp`, `console` or `zipkin` (comma-separated) turns tracing on; unset or `none`: off unless an OTLP endpoint is set.' },
  { name: 'OTEL_EXPORTER_OTLP_ENDPOINT', description: 'OTLP collector base URL (e.g. `http://127.0.0.1:4318`); setting it turns tracing on.' },
  { name: 'OTEL_EXPORTER_OTLP_TRACES_ENDPOINT', description: 'OTLP URL for traces only (e.g. `http://127.0.0.1:4318/v1/traces`); setting it turns tracing on.' },
  { name: 'OTEL_EXPORTER_OTLP_PROTOCOL', default: 'http/protobuf', description: 'OTLP protocol: `http/protobuf`, `http/json` or `grpc`.' },
  { name: 'OTEL_SERVICE_NAME', default: 'delay-callback', description: '`service.name` of the spans of the facade and the service worker.' },
  { name: 'OTEL_SDK_DISABLED', default: 'false', description: 'true turns tracing off whatever else is set.' },
  { name: 'DELAY_CALLBACK_TOOLS_DIR', default: '~/.cache/delay-callback', description: 'Scripts only: where the built Temporal CLI is cached.' },
  { name: 'TEMPORAL_CLI_PATH', description: 'Scripts only: a `temporal` binary to use instead of building one.' },
  { name: 'DELAY_CALLBACK_DATA_DIR', default: '.data', description: 'Scripts only: where `npm run dev` keeps the Temporal dev server\'s SQLite file (and `dev-stack.json` while it runs).' },
  { name: 'SERVICE_WORKER_PORT', default: 'PORT + 1', description: 'Scripts only: port of the service worker\'s `/metrics` and `/healthz` under `npm start` and `npm run dev`.' },
];

const DEFAULTS: Record<string, string | undefined> = Object.fromEntries(CONFIG_VARIABLES.map((v) => [v.name, v.default]));

export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const read = (name: string): string | undefined => {
    const raw = env[name];
    return raw === undefined || raw.trim() === '' ? DEFAULTS[name] : raw.trim();
  };
  const required = (name: string): string => {
    const value = read(name);
    if (value === undefined) throw new ConfigError(name, 'is required');
    return value;
  };
  const integer = (name: string, min: number, max: number): number => {
    const raw = required(name);
    const value = Number(raw);
    if (!/^-?\d+$/.test(raw) || !Number.isSafeInteger(value) || value < min || value > max) {
      throw new ConfigError(name, `must be an integer from ${min} to ${max} (got "${raw}")`);
    }
    return value;
  };
  const bool = (name: string): boolean => {
    const raw = required(name).toLowerCase();
    if (['true', '1', 'yes'].includes(raw)) return true;
    if (['false', '0', 'no'].includes(raw)) return false;
    throw new ConfigError(name, `must be true or false (got "${raw}")`);
  };
  const url = (name: string, protocols: readonly string[]): string => {
    const raw = required(name);
    let parsed: URL;
    try {
      parsed = new URL(raw);
    } catch {
      throw new ConfigError(name, `must be a URL such as ${protocols[0]}//host:port (got "${withoutCredentials(raw)}")`);
    }
    if (!protocols.includes(parsed.protocol)) {
      throw new ConfigError(name, `must use ${protocols.join(' or ')} (got "${withoutCredentials(raw)}")`);
    }
    return raw.replace(/\/+$/, '');
  };
  /** A value matching `pattern`; `secret` values are never echoed in the message. */
  const matching = (name: string, pattern: RegExp, what: string, secret = false): string | undefined => {
    const value = read(name);
    if (value !== undefined && !pattern.test(value)) {
      throw new ConfigError(name, `must be ${what}${secret ? '' : ` (got "${value}")`}`);
    }
    return value;
  };
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

function encryptionKeys(text: string | undefined): PayloadEncryptionKey[] | undefined {
  if (text === undefined) return undefined;
  try {
    return parseEncryptionKeys(text, 'PAYLOAD_ENCRYPTION_KEYS');
  } catch (err) {
    // The problem names the entry and key id, never the key.
    if (err instanceof EncryptionKeysError) throw new ConfigError(err.variable, err.problem);
    throw err;
  }
}

const TRACE_EXPORTERS = ['otlp', 'console', 'zipkin', 'none'];

/**
 * On when an exporter (other than none) or an OTLP endpoint is set and the SDK is not disabled; the OpenTelemetry SDK
 * itself reads these and the other OTEL_* variables (headers, sampler, resource attributes).
 */
function tracingConfig(read: (name: string) => string | undefined, bool: (name: string) => boolean): TracingConfig | undefined {
  const exporterList = read('OTEL_TRACES_EXPORTER');
  const exporters = (exporterList ?? 'none').split(',').map((name) => name.trim().toLowerCase());
  const unknown = exporters.find((name) => !TRACE_EXPORTERS.includes(name));
  if (unknown !== undefined) {
    throw new ConfigError('OTEL_TRACES_EXPORTER', `must be a comma-separated list of ${TRACE_EXPORTERS.join(', ')} (got "${unknown}")`);
  }
  const endpoints = ['OTEL_EXPORTER_OTLP_ENDPOINT', 'OTEL_EXPORTER_OTLP_TRACES_ENDPOINT'].filter((name) => {
    const raw = read(name);
    if (raw === undefined) return false;
    if (!/^https?:\/\/[^\s/]+/.test(raw) || !URL.canParse(raw)) throw new ConfigError(name, `must be an http(s) URL such as http://127.0.0.1:4318 (got "${withoutCredentials(raw)}")`);
    return true;
  });
  const protocol = read('OTEL_EXPORTER_OTLP_PROTOCOL') as string;
  if (!['http/protobuf', 'http/json', 'grpc'].includes(protocol)) {
    throw new ConfigError('OTEL_EXPORTER_OTLP_PROTOCOL', `must be http/protobuf, http/json or grpc (got "${protocol}")`);
  }
  const serviceName = read('OTEL_SERVICE_NAME') as string;
  if (!/^[\x20-\x7E]{1,255}$/.test(serviceName)) throw new ConfigError('OTEL_SERVICE_NAME', 'must be 1 to 255 printable ASCII characters');
  const disabled = bool('OTEL_SDK_DISABLED');
  // `none` said outright wins over an endpoint, as in the OpenTelemetry SDK.
  const exporting = exporters.some((name) => name !== 'none') || (exporterList === undefined && endpoints.length > 0);
  return !disabled && exporting ? { serviceName } : undefined;
}

/** A value parsed by `parse`, whose Error message (never holding a secret) names what is wrong. */
function parsed<T>(variable: string, raw: string, parse: (raw: string) => T): T {
  try {
    return parse(raw);
  } catch (err) {
    throw new ConfigError(variable, (err as Error).message);
  }
}

const VISIBLE_ASCII = /^[\x21-\x7E]+$/;

/** A URL for an error message: a password in it (redis://:secret@host) is not printed. */
function withoutCredentials(raw: string): string {
  return raw.replace(/\/\/[^/@]*@/, '//***@');
}

const DURATION_UNITS_MS: Record<string, number> = {
  ms: 1, millisecond: 1, milliseconds: 1,
  s: 1_000, sec: 1_000, second: 1_000, seconds: 1_000,
  m: 60_000, min: 60_000, minute: 60_000, minutes: 60_000,
  h: 3_600_000, hour: 3_600_000, hours: 3_600_000,
};

/** `1 minute`, `30 s`, `500ms`, or a bare number of milliseconds. */
export function parseDuration(variable: string, raw: string): number {
  const match = /^(\d+(?:\.\d+)?)\s*([a-z]*)$/i.exec(raw.trim());
  const factor = match ? (match[2] ? DURATION_UNITS_MS[match[2].toLowerCase()] : 1) : undefined;
  const ms = match && factor !== undefined ? Math.round(Number(match[1]) * factor) : Number.NaN;
  // Up to a day: longer windows overflow the timers that reset the counters.
  if (!(ms >= 1 && ms <= 86_400_000)) {
    throw new ConfigError(variable, `must be a duration from 1 ms to 1 day such as "1 minute", "30 s" or "500 ms" (got "${raw}")`);
  }
  return ms;
}

function parseTokens(env: NodeJS.ProcessEnv, read: (name: string) => string | undefined): Map<string, string[]> {
  const tokens = new Map<string, string[]>();
  const add = (variable: string, entry: string, where = 'an entry'): void => {
    const eq = entry.indexOf('=');
    const app = entry.slice(0, eq).trim();
    const token = entry.slice(eq + 1).trim();
    if (eq < 0 || !APP_NAME_PATTERN_RE.test(app) || !VISIBLE_ASCII.test(token)) {
      // Never echo the entry: it may hold a token.
      throw new ConfigError(variable, `has ${where} that is not app=token with a valid app name and a token of visible ASCII characters`);
    }
    tokens.set(app, [...(tokens.get(app) ?? []), token]);
  };
  for (const entry of (read('DELAY_CALLBACK_TOKENS') ?? '').split(',')) {
    if (entry.trim()) add('DELAY_CALLBACK_TOKENS', entry);
  }
  const file = env.DELAY_CALLBACK_TOKENS_FILE?.trim();
  if (file) {
    let text: string;
    try {
      text = readFileSync(file, 'utf8');
    } catch (err) {
      throw new ConfigError('DELAY_CALLBACK_TOKENS_FILE', `names a file that cannot be read: ${(err as Error).message}`);
    }
    // Whole-line comments only: a token may contain '#'.
    text.split(/\r?\n/).forEach((line, index) => {
      const trimmed = line.trim();
      if (trimmed && !trimmed.startsWith('#')) add('DELAY_CALLBACK_TOKENS_FILE', trimmed, `line ${index + 1}`);
    });
  }
  return tokens;
}

const APP_NAME_PATTERN_RE = new RegExp(APP_NAME_PATTERN);
