/**
 * Recurring callbacks from the SDK: the calls behind DelayCallbackClient's schedule methods,
 * and their types. Each fire of a schedule is an ordinary callback: the handler defined for
 * the schedule's alias runs it, and `get`, `unregister` and `list({ scheduleId })` reach it.
 */
import type { MissedFirePolicy, OverlapPolicy, SchedulePage, ScheduleSummary, ScheduleView } from '../shared/schemas/schedules.js';
import type { RetryOptions, WebhookParams } from './types.js';
import type { HttpClient } from './http.js';

export type { MissedFirePolicy, OverlapPolicy };
export type ScheduleState = ScheduleView['state'];

/** An instant: a Date, RFC 3339 with offset, or epoch milliseconds. */
type Instant = Date | string | number;

/** When a schedule fires and what happens to missed or overlapping fires (docs/schedules.md). */
export interface ScheduleTiming {
  /** `30s`, `5m`, `1h`, `1d`: exactly one of `every` and `cron`. */
  every?: string;
  /** 5 fields, or 6 with seconds first: exactly one of `every` and `cron`. */
  cron?: string;
  /** IANA zone of the cron. @default 'UTC' */
  timezone?: string;
  startAt?: Instant;
  endAt?: Instant;
  /** Total fires; then the schedule is completed. @default unlimited */
  limit?: number;
  /** @default 'fireOnce' */
  missedFirePolicy?: MissedFirePolicy;
  /** fireOnce and fireAll only. @default 3600 */
  catchupWindowSeconds?: number;
  /** @default 'skip', or 'bufferAll' with fireAll */
  overlap?: OverlapPolicy;
}

export interface ScheduleParams<Args = unknown> extends ScheduleTiming {
  /**
   * Makes the call safe to retry: the same id and body answer the same schedule, a different body
   * SCHEDULE_EXISTS. @default a fresh UUID (the SDK's own retries reuse it)
   */
  scheduleId?: string;
  alias: string;
  args?: Args;
  /** Of each fire; null = a single attempt. */
  retry?: RetryOptions | null;
  /** @default 30 */
  attemptTimeoutSeconds?: number;
  /** Deliver each fire to this URL (a signed POST, as `register({webhook})`) instead of a handler of this app's worker. */
  webhook?: WebhookParams;
}

/** What `updateSchedule` changes: the fields given; null removes startAt, endAt, limit or the webhook. */
export type ScheduleUpdate<Args = unknown> = Partial<Omit<ScheduleParams<Args>, 'scheduleId' | 'startAt' | 'endAt' | 'limit' | 'webhook'>> & {
  webhook?: WebhookParams | null;
  startAt?: Instant | null;
  endAt?: Instant | null;
  limit?: number | null;
};

/** What every schedule call answers (the API's ScheduleView schema, typed by the schedule's args). */
export type Schedule<Args = unknown> = Omit<ScheduleView, 'args'> & { args: Args };
export type ScheduleFire = Schedule['recentFires'][number];
export type ScheduleLinks = Schedule['links'];
export type { ScheduleSummary, SchedulePage };

const instant = (value: Instant | null | undefined): string | number | null | undefined =>
  value instanceof Date ? value.toISOString() : value;

/** The schedule calls of one app, over the client's HTTP connection. */
export class ScheduleCalls {
  constructor(
    private readonly http: HttpClient,
    private readonly app: string,
  ) {}

  async create<Args>(params: ScheduleParams<Args>): Promise<Schedule<Args> & { replayed: boolean }> {
    const body = withInstants({ ...params, scheduleId: params.scheduleId ?? globalThis.crypto.randomUUID() });
    const response = await this.http.request<Schedule<Args>>({ method: 'POST', path: this.path(), body, idempotent: true });
    return { ...response.body, replayed: response.headers.get('idempotent-replayed') === 'true' };
  }

  async get<Args>(scheduleId: string): Promise<Schedule<Args>> {
    return this.call('GET', scheduleId);
  }

  async list(options: { pageSize?: number; pageToken?: string } = {}): Promise<SchedulePage> {
    const query = new URLSearchParams();
    if (options.pageSize !== undefined) query.set('pageSize', String(options.pageSize));
    if (options.pageToken !== undefined) query.set('pageToken', options.pageToken);
    const suffix = query.size > 0 ? `?${query.toString()}` : '';
    return (await this.http.request<SchedulePage>({ method: 'GET', path: `${this.path()}${suffix}`, idempotent: true })).body;
  }

  async update<Args>(scheduleId: string, changes: ScheduleUpdate<Args>): Promise<Schedule<Args>> {
    return this.call('PATCH', scheduleId, '', withInstants(changes));
  }

  async pause<Args>(scheduleId: string, note?: string): Promise<Schedule<Args>> {
    return this.call('POST', scheduleId, '/pause', note === undefined ? {} : { note });
  }

  async resume<Args>(scheduleId: string, note?: string): Promise<Schedule<Args>> {
    return this.call('POST', scheduleId, '/resume', note === undefined ? {} : { note });
  }

  /** Not idempotent: a retried trigger may fire twice (unless within the same second). */
  async trigger<Args>(scheduleId: string): Promise<Schedule<Args>> {
    return (await this.http.request<Schedule<Args>>({ method: 'POST', path: `${this.path(scheduleId)}/trigger`, idempotent: false })).body;
  }

  async delete<Args>(scheduleId: string): Promise<Schedule<Args>> {
    return this.call('DELETE', scheduleId);
  }

  private async call<T>(method: 'GET' | 'POST' | 'PATCH' | 'DELETE', scheduleId: string, suffix = '', body?: unknown): Promise<T> {
    return (await this.http.request<T>({ method, path: `${this.path(scheduleId)}${suffix}`, body, idempotent: true })).body;
  }

  private path(scheduleId?: string): string {
    const base = `/v1/apps/${encodeURIComponent(this.app)}/schedules`;
    return scheduleId === undefined ? base : `${base}/${encodeURIComponent(scheduleId)}`;
  }
}

function withInstants<T extends { startAt?: Instant | null; endAt?: Instant | null }>(params: T): T {
  const body = { ...params };
  if (body.startAt !== undefined) body.startAt = instant(body.startAt) as T['startAt'];
  if (body.endAt !== undefined) body.endAt = instant(body.endAt) as T['endAt'];
  return body;
}
