/** Public types of the client SDK, derived from the workflow contract. */
import type { NativeConnectionOptions } from '@temporalio/worker';
import type { AttemptReport } from '../activities/invoke-callback.js';
import type { Backoff, CallbackState, CallbackStatus } from '../workflows/contract.js';

export type { AttemptError, AttemptRecord, Backoff, CallbackRequest, CallbackStatus } from '../workflows/contract.js';
export type { AttemptReport, CallbackHandler } from '../activities/invoke-callback.js';

export interface CallbackLinks {
  /** This callback in the API. */
  self: string;
  /** Its workflow in the Temporal Web UI. */
  webUi: string;
}

/** What registering answers. */
export interface CallbackSummary {
  uid: string;
  app: string;
  alias: string;
  status: CallbackStatus;
  triggerAt: string;
  createdAt: string;
  links: CallbackLinks;
}

/** What `get` answers. */
export type Callback<Args = unknown, Result = unknown> = Omit<CallbackState, 'args' | 'result' | 'pendingAttempt'> & {
  args: Args;
  result: Result | null;
  /** Its attempt waits in the app's task queue: no worker of the app has taken it yet. */
  waitingForWorker: boolean;
  links: CallbackLinks;
};

/** One page of `list`: newest first. */
export interface CallbackPage {
  items: CallbackSummary[];
  /** Pass to the next `list` call with the same filters; null on the last page. */
  nextPageToken: string | null;
}

export interface ListFilters {
  status?: CallbackStatus;
  alias?: string;
  /** Trigger time at or after this instant. */
  triggerAfter?: Date | string | number;
  /** Trigger time before this instant. */
  triggerBefore?: Date | string | number;
  /** 1..1000. @default 50 */
  pageSize?: number;
  pageToken?: string;
}

/** What `stats` answers. */
export interface CallbackStats {
  app: string;
  /** Every status, zeros included. */
  counts: Record<CallbackStatus, number>;
  total: number;
  /** Callbacks whose trigger passed more than graceSeconds ago without a finished attempt. */
  overdue: {
    count: number;
    graceSeconds: number;
    oldest: {
      uid: string;
      status: CallbackStatus;
      triggerAt: string;
      overdueMs: number;
      /** No worker of the app has picked its attempt up. */
      waitingForWorker: boolean;
      links: CallbackLinks;
    } | null;
  };
  /** The app's callbacks in the Temporal Web UI. */
  links: { webUi: string };
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
  /** Makes the registration safe to retry: same key and body, same callback. */
  idempotencyKey?: string;
  /** @default 30 */
  attemptTimeoutSeconds?: number;
}

/** The original helper's shape: `register(params, { alias, onCallback })`. */
export interface RegisterHandlerOptions<Args = unknown, Result = unknown> {
  alias: string;
  onCallback?: import('../activities/invoke-callback.js').CallbackHandler<Args, Result>;
}

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
  /** Where the app's worker connects; needed by `start()` only. */
  temporal?: {
    /** @default '127.0.0.1:7233' */
    address?: string;
    /** @default 'default' */
    namespace?: string;
    tls?: NativeConnectionOptions['tls'];
    apiKey?: string;
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
  };
  /** Per HTTP request. @default 10000 */
  requestTimeoutMs?: number;
  /** Retries of a call that is safe to repeat, on network errors, 429 and 503 (backoff 0.25 s doubling, or Retry-After; about 8 s in all). @default 5 */
  retries?: number;
}
