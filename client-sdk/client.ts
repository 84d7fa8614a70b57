/**
 * DelayCallbackClient: what an application uses. HTTP calls to the facade
 * (register, get, unregister, reschedule) and the worker that runs the app's
 * handlers (define, start, stop).
 */
import type { DataConverter } from '@temporalio/common';
import type { Static, TSchema } from 'typebox';
import { randomUUID } from 'node:crypto';
import type { CallbackHandler } from '../activities/invoke-callback.js';
import { AliasContracts } from './alias-contracts.js';
import { registerMany } from './batch.js';
import { ENCRYPTION_KEYS_VARIABLE, EncryptionKeysError } from './codec/encryption-keys.js';
import { withPayloadEncryption } from './codec/data-converter.js';
import { DelayCallbackError } from './errors.js';
import { HttpClient } from './http.js';
import { ScheduleCalls, type Schedule, type ScheduleParams, type SchedulePage, type ScheduleUpdate } from './schedules.js';
import { temporalOptionsFromEnv } from './temporal-env.js';
import type {
  ArgsSchema,
  BatchItemResult,
  Callback,
  CallbackPage,
  CallbackStats,
  CallbackSummary,
  CancelResult,
  ListFilters,
  DefineOptions,
  DelayCallbackClientOptions,
  RegisterHandlerOptions,
  RegisterManyOptions,
  RegisterParams,
  RescheduleParams,
} from './types.js';
import { tracingRequestedBy } from './tracing-switch.js';
import { AppWorker, defaultIdentity } from './worker.js';

export class DelayCallbackClient {
  readonly app: string;
  private readonly http: HttpClient;
  private readonly handlers = new Map<string, CallbackHandler>();
  private worker: AppWorker | undefined;
  private readonly schedules: ScheduleCalls;
  private readonly contracts: AliasContracts;
  /** The worker's data converter: encryption when keys are given (checked here, so a bad key fails at once). */
  private readonly dataConverter: DataConverter | undefined;

  constructor(private readonly options: DelayCallbackClientOptions) {
    this.app = options.app;
    this.dataConverter = encryptionFrom(options.payloadEncryptionKeys, options.temporal?.dataConverter);
    this.http = new HttpClient({
      baseUrl: options.serverUrl,
      token: options.token,
      timeoutMs: options.requestTimeoutMs ?? 10_000,
      retries: options.retries ?? 5,
    });
    this.schedules = new ScheduleCalls(this.http, this.app);
    this.contracts = new AliasContracts({
      http: this.http,
      app: this.app,
      identity: this.identity(),
      onPublishError:
        options.worker?.onAliasPublishError ??
        ((alias, error) => console.warn(`[delay-callback] the args schema of alias "${alias}" was not published: ${error.code}: ${error.message}`)),
    });
  }

  /**
   * Registers the local handler for `alias`. Works before and after `start()`. With
   * `{ args: schema }` the alias declares its args schema (published when the worker starts);
   * a TypeBox schema types `req.args`.
   */
  define<Args = unknown, Result = unknown>(alias: string, handler: CallbackHandler<Args, Result>): this;
  define<S extends TSchema, Result = unknown>(alias: string, handler: CallbackHandler<Static<S>, Result>, options: DefineOptions<S & ArgsSchema>): this;
  define<Args = unknown, Result = unknown>(alias: string, handler: CallbackHandler<Args, Result>, options: DefineOptions): this;
  define(alias: string, handler: CallbackHandler, options?: DefineOptions): this {
    this.handlers.set(alias, handler);
    this.contracts.set(alias, options?.args);
    return this;
  }

  /** Whether a handler is defined for `alias`. */
  isDefined(alias: string): boolean {
    return this.handlers.has(alias);
  }

  /** Starts the app's worker on `delay-callback.<app>`. */
  async start(): Promise<void> {
    if (this.worker) return;
    await this.contracts.publishAll();
    this.worker = await AppWorker.start({
      app: this.app,
      handlers: this.handlers,
      temporal: this.options.temporal ?? temporalOptionsFromEnv(),
      maxConcurrentHandlers: this.options.worker?.maxConcurrentHandlers ?? 100,
      maxArmedAttempts: this.options.worker?.maxArmedAttempts ?? 500,
      shutdownGraceTimeMs: this.options.worker?.shutdownGraceTimeMs ?? 30_000,
      identity: this.identity(),
      onAttempt: this.options.worker?.onAttempt,
      dataConverter: this.dataConverter,
      tracing: this.options.tracing ?? tracingRequestedBy(process.env),
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
    // Always keyed, so a retry after a timeout or an unknown outcome finds the callback the first
    // try registered instead of registering it twice: exactly once across retries.
    const generatedKey = params.idempotencyKey === undefined ? randomUUID() : undefined;
    const response = await this.http.request<CallbackSummary>({
      method: 'POST',
      path: this.path(),
      body,
      headers: generatedKey === undefined ? undefined : { 'idempotency-key': generatedKey },
      idempotent: true,
    });
    // With a key of our own, a replay can only be this call's earlier try: not a replay to the caller.
    const replayed = generatedKey === undefined && response.headers.get('idempotent-replayed') === 'true';
    return { ...response.body, replayed };
  }

  /**
   * Registers many callbacks in as few requests as possible (1000 items each); one result per
   * item, in order, each either the callback or the error the single registration would give.
   * Every item is keyed, so calling it again with the same items and `idempotencyKey` is safe.
   */
  async registerMany<Args = unknown>(items: ReadonlyArray<RegisterParams<Args>>, options?: RegisterManyOptions): Promise<BatchItemResult[]> {
    return registerMany(this.http, `${this.path()}/batch`, items, options);
  }

  async get<Args = unknown, Result = unknown>(uid: string): Promise<Callback<Args, Result>> {
    return (await this.http.request<Callback<Args, Result>>({ method: 'GET', path: this.path(uid), idempotent: true })).body;
  }

  /** Cancels a callback that has not fired (or is waiting to retry). */
  async unregister(uid: string): Promise<CancelResult> {
    return (await this.http.request<CancelResult>({ method: 'DELETE', path: this.path(uid), idempotent: true })).body;
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

  /** Creates a schedule (a recurring callback): each fire runs the handler of `alias` as a callback of its own. */
  schedule<Args = unknown>(params: ScheduleParams<Args>): Promise<Schedule<Args> & { replayed: boolean }> {
    return this.schedules.create(params);
  }

  getSchedule<Args = unknown>(scheduleId: string): Promise<Schedule<Args>> {
    return this.schedules.get(scheduleId);
  }

  /** One page of the app's schedules (Temporal visibility: eventually consistent). */
  listSchedules(options: { pageSize?: number; pageToken?: string } = {}): Promise<SchedulePage> {
    return this.schedules.list(options);
  }

  updateSchedule<Args = unknown>(scheduleId: string, changes: ScheduleUpdate<Args>): Promise<Schedule<Args>> {
    return this.schedules.update(scheduleId, changes);
  }

  pauseSchedule<Args = unknown>(scheduleId: string, note?: string): Promise<Schedule<Args>> {
    return this.schedules.pause(scheduleId, note);
  }

  resumeSchedule<Args = unknown>(scheduleId: string, note?: string): Promise<Schedule<Args>> {
    return this.schedules.resume(scheduleId, note);
  }

  /** One fire now; it does not count against the schedule's limit. */
  triggerSchedule<Args = unknown>(scheduleId: string): Promise<Schedule<Args>> {
    return this.schedules.trigger(scheduleId);
  }

  /** No more fires (one already started runs to its end); answers the last state. */
  deleteSchedule<Args = unknown>(scheduleId: string): Promise<Schedule<Args>> {
    return this.schedules.delete(scheduleId);
  }

  private identity(): string {
    return this.options.worker?.identity ?? defaultIdentity(this.app);
  }

  private path(uid?: string): string {
    const base = `/v1/apps/${encodeURIComponent(this.app)}/callbacks`;
    return uid === undefined ? base : `${base}/${encodeURIComponent(uid)}`;
  }
}

/**
 * `base` (the `temporal.dataConverter` option) with encryption under the option's keys, or those of
 * PAYLOAD_ENCRYPTION_KEYS when it is not given; a bad key is INVALID_CONFIGURATION naming where it came from.
 */
function encryptionFrom(option: DelayCallbackClientOptions['payloadEncryptionKeys'], base: DataConverter | undefined): DataConverter | undefined {
  if (option === false) return base;
  const fromEnv = process.env.PAYLOAD_ENCRYPTION_KEYS?.trim() || undefined;
  const keys = option ?? fromEnv;
  if (keys === undefined) return base;
  try {
    return withPayloadEncryption(keys, base);
  } catch (err) {
    if (!(err instanceof EncryptionKeysError)) throw err;
    const where = option === undefined ? ENCRYPTION_KEYS_VARIABLE : 'the payloadEncryptionKeys option';
    throw new DelayCallbackError('INVALID_CONFIGURATION', `Invalid configuration: ${where} ${err.problem}`, 0);
  }
}
