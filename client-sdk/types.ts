/**
 * Public types of the client SDK. What the API answers is derived from its TypeBox schemas
 * (shared/schemas/), so the SDK's types and the server's responses cannot drift apart.
 */
import type { NativeConnectionOptions, WorkerOptions } from '@temporalio/worker';
import type { Static } from 'typebox';
import type { AttemptReport } from '../activities/invoke-callback.js';
import type { CallbackDetail, CallbackSummary as CallbackSummarySchema, CancelResponse } from '../shared/schemas/callbacks.js';
import type { CallbackPage as CallbackPageSchema, Stats } from '../shared/schemas/listing.js';
import type { Backoff, CallbackStatus } from '../workflows/contract.js';
import type { PayloadEncryptionKey } from './codec/encryption-keys.js';

export type { AttemptError, AttemptRecord, Backoff, CallbackRequest, CallbackStatus } from '../workflows/contract.js';
export type { AttemptReport, CallbackHandler } from '../activities/invoke-callback.js';
export type { WebhookAttemptErrorCode, WebhookEvent } from '../workflows/webhook-contract.js';

/** What registering answers. */
export type CallbackSummary = Static<typeof CallbackSummarySchema>;

/** Where a callback is seen: `self` in the API, `webUi` in the Temporal Web UI. */
export type CallbackLinks = CallbackSummary['links'];

/** What `get` answers. */
export type Callback<Args = unknown, Result = unknown> = Omit<Static<typeof CallbackDetail>, 'args' | 'result'> & {
  args: Args;
  result: Result | null;
};

/** One page of `list`: newest first; `nextPageToken` is null on the last page. */
export type CallbackPage = Static<typeof CallbackPageSchema>;

/** What `stats` answers: counts by status (zeros included) and the oldest overdue callback. */
export type CallbackStats = Static<typeof Stats>;

/** What `unregister` answers. */
export type CancelResult = Static<typeof CancelResponse>;

export interface ListFilters {
  status?: CallbackStatus;
  alias?: string;
  /** Only the fires of this schedule. */
  scheduleId?: string;
  /** Trigger time at or after this instant. */
  triggerAfter?: Date | string | number;
  /** Trigger time before this instant. */
  triggerBefore?: Date | string | number;
  /** 1..1000. @default 50 */
  pageSize?: number;
  pageToken?: string;
}

export interface RetryOptions {
  /** All attempts, the first included. @default 10 */
  maxAttempts?: number;
  /** @default 'exponential' */
  backoff?: Backoff;
  /** @default 10 */
  intervalSeconds?: number;
  /** @default 86400 */
  maxIntervalSeconds?: number;
}

/** A registration: exactly one of `delaySeconds` and `triggerAt`. */
export interface RegisterParams<Args = unknown> {
  /** The handler's alias; may come from the second argument of `register` instead. */
  alias?: string;
  args?: Args;
  delaySeconds?: number;
  /** An instant: a Date, RFC 3339 with offset, or epoch milliseconds. */
  triggerAt?: Date | string | number;
  /** null = a single attempt. @default 10 attempts, exponential from 10 s, capped at a day */
  retry?: RetryOptions | null;
  /**
   * Same key and body, same callback. Without one, `register` sends a key of its own (a random
   * UUID per call), so its retries never register twice.
   */
  idempotencyKey?: string;
  /** @default 30 */
  attemptTimeoutSeconds?: number;
  /** Deliver to this URL (a signed POST, Standard Webhooks) instead of a handler of this app's worker. */
  webhook?: WebhookParams;
}

/** Where a webhook callback is delivered. Receivers check deliveries with `verifyWebhook`. */
export interface WebhookParams {
  /** Absolute http(s) URL without user info, at most 2048 characters. Stored in plain text: put credentials in `headers`. */
  url: string;
  /**
   * Sent with every attempt: at most 20, values at most 1024 characters; not hop-by-hop, `host`,
   * `content-length`, `content-type`, `expect` or `webhook-*`. Values are stored encrypted.
   */
  headers?: Record<string, string>;
}

/** The original helper's shape: `register(params, { alias, onCallback })`. */
export interface RegisterHandlerOptions<Args = unknown, Result = unknown> {
  alias: string;
  onCallback?: import('../activities/invoke-callback.js').CallbackHandler<Args, Result>;
}

/** A JSON Schema (an object or a boolean); a TypeBox schema is one too. */
export type ArgsSchema = object | boolean;

/** Options of `define`. */
export interface DefineOptions<S extends ArgsSchema = ArgsSchema> {
  /**
   * The args schema of the alias: published when the worker starts, after which the facade
   * refuses registrations whose args do not match (400 ARGS_INVALID). A TypeBox schema (or a
   * JSON Schema written `as const`) also types the handler's `req.args`.
   */
  args?: S;
}

/** Options of `registerMany`. */
export interface RegisterManyOptions {
  /**
   * Makes the whole call safe to repeat: an item without its own `idempotencyKey` registers under
   * `<key>:<index>` (its index in the list), so the same list sent again with the same key registers
   * nothing twice and answers the same uids. 1 to 248 printable ASCII characters.
   * @default a random UUID (safe retries within this call only)
   */
  idempotencyKey?: string;
  /** Items per request, at most 1000. @default 1000 */
  batchSize?: number;
  /** Timeout of each request. @default 60000 */
  timeoutMs?: number;
}

/** One item's outcome in `registerMany`, in the order given. */
export type BatchItemResult =
  | { ok: true; status: 200 | 201; replayed: boolean; callback: CallbackSummary }
  | {
      ok: false;
      /** The HTTP status the single registration would have answered. */
      status: number;
      error: import('./errors.js').DelayCallbackError;
      /** Seconds to wait before sending it again (429, 503), when the server said. */
      retryAfterSeconds: number | null;
    };

/** Exactly one of the two. */
export interface RescheduleParams {
  delaySeconds?: number;
  triggerAt?: Date | string | number;
}

export interface DelayCallbackClientOptions {
  /** The application: its callbacks, its token, its task queue `delay-callback.<app>`. */
  app: string;
  /** Base URL of the facade, e.g. http://127.0.0.1:8080 */
  serverUrl: string;
  /** Bearer token of the app (omit against an open development server). */
  token?: string;
  /**
   * Where the app's worker connects; needed by `start()` only. Omitted: Temporal's standard
   * settings, as the service reads them (TEMPORAL_ADDRESS, TEMPORAL_NAMESPACE, TEMPORAL_API_KEY,
   * TEMPORAL_TLS_*, TEMPORAL_PROFILE and Temporal's config file; see `temporalOptionsFromEnv`).
   * Given: exactly these settings, no variable is read.
   */
  temporal?: {
    /** @default '127.0.0.1:7233' */
    address?: string;
    /** @default 'default' */
    namespace?: string;
    tls?: NativeConnectionOptions['tls'];
    apiKey?: string;
    /** gRPC metadata sent with every call. */
    metadata?: NativeConnectionOptions['metadata'];
    /**
     * Payload codecs (encryption, for example) of the worker: the same as the service's, which
     * encodes the arguments your handlers receive and decodes their results.
     * @default Temporal's default converter, no codec
     */
    dataConverter?: WorkerOptions['dataConverter'];
  };
  worker?: {
    /** Handlers running at once on this worker. @default 100 */
    maxConcurrentHandlers?: number;
    /**
     * Attempts this worker holds at once until their due time (they arrive up to the service's
     * DISPATCH_LEAD_MS early; about rate x lead are held). They take no handler slot. @default 500
     */
    maxArmedAttempts?: number;
    /** How long `stop()` lets running handlers finish. @default 30000 */
    shutdownGraceTimeMs?: number;
    /** Shown in the Web UI. @default '<app>@<host>:<pid>' */
    identity?: string;
    /** Called after every attempt this worker ran (metrics, logs). */
    onAttempt?: (report: AttemptReport) => void;
    /**
     * Called when an alias's args schema could not be published without it stopping anything
     * (the facade unreachable at start, a define after start). @default a console.warn line
     */
    onAliasPublishError?: (alias: string, error: import('./errors.js').DelayCallbackError) => void;
  };
  /**
   * Encrypts what this worker hands back to Temporal and decrypts what it receives (AES-256-GCM;
   * docs/encryption-and-tracing.md): keys in the `PAYLOAD_ENCRYPTION_KEYS` format
   * (`<keyId>=<base64 of 32 bytes>`, comma-separated, the first encrypts, all decrypt) or parsed.
   * The service must hold the same keys. `false`: none, whatever the environment says.
   * @default the PAYLOAD_ENCRYPTION_KEYS environment variable; no encryption when it is unset
   */
  payloadEncryptionKeys?: string | readonly PayloadEncryptionKey[] | false;
  /**
   * OpenTelemetry spans for this worker's attempts: Temporal's `RunActivity` span and a
   * `RunHandler:<alias>` span around each handler call, linked to the registration's trace. They go
   * to the tracer provider your application registered (its OpenTelemetry SDK), and need the
   * packages `@opentelemetry/api` and `@temporalio/interceptors-opentelemetry`. Off, nothing of
   * OpenTelemetry is loaded.
   * @default true when OTEL_TRACES_EXPORTER (other than none) or an OTLP endpoint is set in the environment
   */
  tracing?: boolean;
  /** Per HTTP request. @default 10000 */
  requestTimeoutMs?: number;
  /**
   * Retries of a call that is safe to repeat (every call, `register` included: it always sends an
   * idempotency key) on network errors, timeouts, 429 and 503, after Retry-After (seconds or an
   * HTTP date, at most 10 s) or a backoff of 0.25 s doubling. @default 5
   */
  retries?: number;
}
