/**
 * Every variable the service reads, with its default and a description: the source of the
 * table in docs/configuration.md, and of the defaults the readers (env-reader.ts) fall back to.
 */
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

/** Each variable's default by name (undefined: unset by default), for the readers. */
export const DEFAULTS: Record<string, string | undefined> = Object.fromEntries(CONFIG_VARIABLES.map((v) => [v.name, v.default]));
