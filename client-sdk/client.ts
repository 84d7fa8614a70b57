/**
 * DelayCallbackClient: what an application uses. HTTP calls to the facade
 * (register, get, unregister, reschedule) and the worker that runs the app's
 * handlers (define, start, stop).
 */
import type { CallbackHandler } from '../activities/invoke-callback.js';
import { DelayCallbackError } from './errors.js';
import { HttpClient } from './http.js';
import type {
  Callback,
  CallbackPage,
  CallbackStats,
  CallbackSummary,
  ListFilters,
  DelayCallbackClientOptions,
  RegisterHandlerOptions,
  RegisterParams,
  RescheduleParams,
} from './types.js';
import { AppWorker, defaultIdentity } from './worker.js';

export class DelayCallbackClient {
  readonly app: string;
  private readonly http: HttpClient;
  private readonly handlers = new Map<string, CallbackHandler>();
  private worker: AppWorker | undefined;

  constructor(private readonly options: DelayCallbackClientOptions) {
    this.app = options.app;
    this.http = new HttpClient({
      baseUrl: options.serverUrl,
      token: options.token,
      timeoutMs: options.requestTimeoutMs ?? 10_000,
      retries: options.retries ?? 5,
    });
  }

  /** Registers the local handler for `alias`. Works before and after `start()`. */
  define<Args = unknown, Result = unknown>(alias: string, handler: CallbackHandler<Args, Result>): this {
    this.handlers.set(alias, handler as CallbackHandler);
    return this;
  }

  /** Whether a handler is defined for `alias`. */
  isDefined(alias: string): boolean {
    return this.handlers.has(alias);
  }

  /** Starts the app's worker on `delay-callback.<app>`. */
  async start(): Promise<void> {
    if (this.worker) return;
    this.worker = await AppWorker.start({
      app: this.app,
      handlers: this.handlers,
      temporal: this.options.temporal ?? {},
      maxConcurrentHandlers: this.options.worker?.maxConcurrentHandlers ?? 100,
      maxArmedAttempts: this.options.worker?.maxArmedAttempts ?? 500,
      shutdownGraceTimeMs: this.options.worker?.shutdownGraceTimeMs ?? 30_000,
      identity: this.options.worker?.identity ?? defaultIdentity(this.app),
      onAttempt: this.options.worker?.onAttempt,
    });
  }

  /** Stops the worker gracefully: running handlers finish (up to the grace time). */
  async stop(): Promise<void> {
    const worker = this.worker;
    this.worker = undefined;
    await worker?.stop();
  }

  /**
   * Registers a callback. The second argument is the original helper's shape: it defines
   * `onCallback` for `alias` when no handler is defined for it yet.
   */
  async register<Args = unknown, Result = unknown>(
    params: RegisterParams<Args>,
    handler?: RegisterHandlerOptions<Args, Result>,
  ): Promise<CallbackSummary & { replayed: boolean }> {
    const alias = params.alias ?? handler?.alias;
    if (!alias) throw new DelayCallbackError('VALIDATION_FAILED', 'alias is required', 0);
    if (handler?.onCallback && !this.handlers.has(alias)) this.define(alias, handler.onCallback);
    const { triggerAt, ...rest } = params;
    const body = { ...rest, alias, ...(triggerAt === undefined ? {} : { triggerAt: triggerAt instanceof Date ? triggerAt.toISOString() : triggerAt }) };
    const response = await this.http.request<CallbackSummary>({
      method: 'POST',
      path: this.path(),
      body,
      idempotent: params.idempotencyKey !== undefined,
    });
    return { ...response.body, replayed: response.headers.get('idempotent-replayed') === 'true' };
  }

  async get<Args = unknown, Result = unknown>(uid: string): Promise<Callback<Args, Result>> {
    return (await this.http.request<Callback<Args, Result>>({ method: 'GET', path: this.path(uid), idempotent: true })).body;
  }

  /** Cancels a callback that has not fired (or is waiting to retry). */
  async unregister(uid: string): Promise<{ uid: string; status: 'cancelled' }> {
    return (await this.http.request<{ uid: string; status: 'cancelled' }>({ method: 'DELETE', path: this.path(uid), idempotent: true })).body;
  }

  /** Moves the next attempt of a scheduled or retrying callback. */
  async reschedule<Args = unknown, Result = unknown>(uid: string, params: RescheduleParams): Promise<Callback<Args, Result>> {
    const body = {
      ...(params.delaySeconds === undefined ? {} : { delaySeconds: params.delaySeconds }),
      ...(params.triggerAt === undefined
        ? {}
        : { triggerAt: params.triggerAt instanceof Date ? params.triggerAt.toISOString() : params.triggerAt }),
    };
    return (await this.http.request<Callback<Args, Result>>({ method: 'PATCH', path: this.path(uid), body, idempotent: true })).body;
  }

  /** Runs a failed callback again now (same uid, original args and strategy). */
  async retry<Args = unknown, Result = unknown>(uid: string): Promise<Callback<Args, Result>> {
    return (await this.http.request<Callback<Args, Result>>({ method: 'POST', path: `${this.path(uid)}/retry`, idempotent: true })).body;
  }

  /** One page of the app's callbacks, newest first (Temporal visibility: eventually consistent). */
  async list(filters: ListFilters = {}): Promise<CallbackPage> {
    const query = new URLSearchParams();
    for (const [name, value] of Object.entries(filters)) {
      if (value === undefined) continue;
      query.set(name, value instanceof Date ? value.toISOString() : String(value));
    }
    const suffix = query.size > 0 ? `?${query.toString()}` : '';
    return (await this.http.request<CallbackPage>({ method: 'GET', path: `${this.path()}${suffix}`, idempotent: true })).body;
  }

  /** Counts by status and the oldest overdue callback (overdue after `overdueAfterSeconds`, default 60). */
  async stats(options: { overdueAfterSeconds?: number } = {}): Promise<CallbackStats> {
    const suffix = options.overdueAfterSeconds === undefined ? '' : `?overdueAfterSeconds=${options.overdueAfterSeconds}`;
    const path = `/v1/apps/${encodeURIComponent(this.app)}/stats${suffix}`;
    return (await this.http.request<CallbackStats>({ method: 'GET', path, idempotent: true })).body;
  }

  private path(uid?: string): string {
    const base = `/v1/apps/${encodeURIComponent(this.app)}/callbacks`;
    return uid === undefined ? base : `${base}/${encodeURIComponent(uid)}`;
  }
}
