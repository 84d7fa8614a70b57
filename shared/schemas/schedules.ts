/** Request and response schemas of the schedule routes (docs/schedules.md). */
import { Type, type Static } from 'typebox';
import { CALLBACK_STATUSES } from '../../workflows/contract.js';
import { RetryStrategyBody, WebhookBody } from './callbacks.js';
import { Alias, AppName, AppParams, IDEMPOTENCY_KEY_PATTERN, NullableTimestamp, ScheduleId, Timestamp, Uid } from './common.js';

/** What a fire that could not run at its time does (docs/schedules.md). */
export const MISSED_FIRE_POLICIES = ['skip', 'fireOnce', 'fireAll'] as const;
export type MissedFirePolicy = (typeof MISSED_FIRE_POLICIES)[number];
/** What a fire due while an earlier one still runs does. */
export const OVERLAP_POLICIES = ['skip', 'bufferOne', 'bufferAll', 'allowAll'] as const;
export type OverlapPolicy = (typeof OVERLAP_POLICIES)[number];

/** RFC 3339 with an offset, or epoch milliseconds (as callbacks' triggerAt). */
const Instant = (description: string) =>
  Type.Union(
    [
      Type.String({ maxLength: 40, description: 'RFC 3339 date-time with offset.', examples: ['2026-12-24T18:00:00+01:00'] }),
      Type.Integer({ minimum: 0, description: 'Epoch milliseconds.', examples: [1798131600000] }),
    ],
    { description },
  );

const Every = Type.String({
  maxLength: 16,
  description: 'An interval: a whole number and s, m, h or d, at least 1 s. Fires at startAt + n x every (at multiples of it since the Unix epoch without startAt, so "1h" fires on the hour UTC).',
  examples: ['5m'],
});
const Cron = Type.String({
  maxLength: 200,
  description:
    'A cron expression: 5 fields (minute hour day-of-month month day-of-week) or 6 (second first). *, numbers, three-letter names, ranges, lists and steps; ' +
    'restrict day-of-month or day-of-week, not both.',
  examples: ['0 9 * * MON-FRI'],
});
const Timezone = Type.String({ minLength: 1, maxLength: 64, description: 'IANA time zone of the cron. Default UTC.', examples: ['Europe/Paris'] });
const Limit = Type.Integer({ minimum: 1, maximum: 1_000_000_000, description: 'Total fires the schedule takes (triggers not counted); then it is completed.' });
const MissedFirePolicy = Type.Enum([...MISSED_FIRE_POLICIES], {
  description: 'Fires that could not run at their time (an outage): skip drops them, fireOnce runs one catch-up fire, fireAll runs every one within catchupWindowSeconds. Default fireOnce.',
});
const CatchupWindowSeconds = Type.Integer({
  minimum: 10,
  maximum: 31_536_000,
  description: 'How late a missed fire may still run (fireOnce, fireAll). Default 3600; at least 10 (Temporal\'s minimum).',
});
const Overlap = Type.Enum([...OVERLAP_POLICIES], {
  description:
    'A fire due while an earlier one is in progress (waiting for a worker, running or retrying): skip drops it, bufferOne keeps one waiting, ' +
    'bufferAll keeps all, allowAll starts it at once. skip or bufferOne with skip/fireOnce (default skip); bufferAll or allowAll with fireAll (default bufferAll).',
});
const AttemptTimeoutSeconds = Type.Number({ minimum: 1, maximum: 86_400, description: 'Per attempt of each fire. Default 30.' });
const Retry = Type.Union([RetryStrategyBody, Type.Null()], { description: 'Retry strategy of each fire; null means a single attempt.' });

const ScheduleWebhook = { ...WebhookBody, description: 'Deliver each fire to this URL (a signed POST, as a registration\'s webhook) instead of the app\'s SDK worker.' };
/** What a schedule shows of its webhook: never the header values. */
const WebhookView = Type.Union(
  [
    Type.Object({
      url: Type.String(),
      headerNames: Type.Array(Type.String(), { description: 'Custom header names (lower case); their values are stored encrypted and never returned.' }),
    }),
    Type.Null(),
  ],
  { description: 'Where each fire is delivered; null: to the app\'s SDK worker.' },
);

export const ScheduleBody = Type.Object(
  {
    scheduleId: Type.Optional({ ...ScheduleId, description: 'Client-chosen id: the same body again answers 200 with the schedule, a different one 409. Generated when absent.' }),
    alias: Alias,
    args: Type.Optional(Type.Unknown({ description: 'Any JSON value, given to the handler at every fire. Default null.' })),
    retry: Type.Optional(Retry),
    attemptTimeoutSeconds: Type.Optional(AttemptTimeoutSeconds),
    webhook: Type.Optional(ScheduleWebhook),
    every: Type.Optional(Every),
    cron: Type.Optional(Cron),
    timezone: Type.Optional(Timezone),
    startAt: Type.Optional(Instant('No fire before this instant (inclusive); with every, fires are aligned to it.')),
    endAt: Type.Optional(Instant('No fire after this instant (inclusive).')),
    limit: Type.Optional(Limit),
    missedFirePolicy: Type.Optional(MissedFirePolicy),
    catchupWindowSeconds: Type.Optional(CatchupWindowSeconds),
    overlap: Type.Optional(Overlap),
  },
  {
    additionalProperties: false,
    description: 'Exactly one of every and cron.',
    examples: [
      {
        scheduleId: 'daily-report',
        alias: 'report',
        args: { kind: 'daily' },
        cron: '0 9 * * MON-FRI',
        timezone: 'Europe/Paris',
        missedFirePolicy: 'fireOnce',
        catchupWindowSeconds: 3600,
        overlap: 'skip',
      },
    ],
  },
);
export type ScheduleBody = Static<typeof ScheduleBody>;

export const SchedulePatchBody = Type.Object(
  {
    alias: Type.Optional(Alias),
    args: Type.Optional(Type.Unknown({ description: 'Replaces the args of the fires to come.' })),
    retry: Type.Optional(Retry),
    attemptTimeoutSeconds: Type.Optional(AttemptTimeoutSeconds),
    webhook: Type.Optional(Type.Union([ScheduleWebhook, Type.Null()], { description: 'Replaces the webhook of the fires to come (checked and sealed again); null: deliver to the SDK worker.' })),
    every: Type.Optional(Every),
    cron: Type.Optional(Cron),
    timezone: Type.Optional(Timezone),
    startAt: Type.Optional(Type.Union([Instant('New startAt.'), Type.Null()], { description: 'null removes it.' })),
    endAt: Type.Optional(Type.Union([Instant('New endAt.'), Type.Null()], { description: 'null removes it.' })),
    limit: Type.Optional(Type.Union([Limit, Type.Null()], { description: 'Total fires, those so far included; null removes the limit.' })),
    missedFirePolicy: Type.Optional(MissedFirePolicy),
    catchupWindowSeconds: Type.Optional(CatchupWindowSeconds),
    overlap: Type.Optional(Overlap),
  },
  {
    additionalProperties: false,
    minProperties: 1,
    description: 'The fields to change; every or cron replaces the other. Fires already started are not affected.',
    examples: [{ every: '10m', args: { kind: 'hourly' } }],
  },
);
export type SchedulePatchBody = Static<typeof SchedulePatchBody>;

export const NoteBody = Type.Object(
  { note: Type.Optional(Type.String({ maxLength: 1000, description: 'Why: shown with the schedule and in the Temporal Web UI.' })) },
  { additionalProperties: false, examples: [{ note: 'maintenance window' }] },
);
export type NoteBody = Static<typeof NoteBody>;

export const NoBody = Type.Object({}, { additionalProperties: false, description: 'Send no body (or {}).', examples: [{}] });

export const ScheduleParams = Type.Object({ app: AppName, scheduleId: ScheduleId }, { additionalProperties: false });
export { AppParams };

export const ScheduleHeaders = Type.Object({
  'idempotency-key': Type.Optional(
    Type.String({ pattern: IDEMPOTENCY_KEY_PATTERN, description: 'Without scheduleId: derives it, so a retried request finds the schedule it created.' }),
  ),
});

export const ScheduleListQuery = Type.Object(
  {
    pageSize: Type.Optional(Type.Integer({ minimum: 1, maximum: 1000, description: 'Default 50.' })),
    pageToken: Type.Optional(Type.String({ minLength: 1, maxLength: 4096, description: 'nextPageToken of the previous page.' })),
  },
  { additionalProperties: false },
);

const Links = Type.Object({
  self: Type.String({ description: 'This schedule in the API.' }),
  fires: Type.String({ description: 'Its fires: the callbacks list filtered by scheduleId.' }),
  webUi: Type.String({ description: 'The schedule in the Temporal Web UI.' }),
});

const FireLinks = Type.Object({ self: Type.String(), webUi: Type.String() });

const State = Type.Enum(['active', 'paused', 'completed'], {
  description: 'completed: no fire is left to take (limit reached, endAt passed); fires already started may still run.',
});

const EXAMPLE_FIRE_UID = 'daily-report-20261202T080000Z';
export const EXAMPLE_SCHEDULE = {
  scheduleId: 'daily-report',
  app: 'orders',
  state: 'active',
  note: null,
  alias: 'report',
  args: { kind: 'daily' },
  retry: { maxAttempts: 10, backoff: 'exponential', intervalSeconds: 10, maxIntervalSeconds: 86400 },
  attemptTimeoutSeconds: 30,
  webhook: null,
  every: null,
  cron: '0 9 * * MON-FRI',
  timezone: 'Europe/Paris',
  startAt: null,
  endAt: null,
  limit: null,
  missedFirePolicy: 'fireOnce',
  catchupWindowSeconds: 3600,
  overlap: 'skip',
  fires: { total: 1, remaining: null, missed: 0, running: 0, buffered: 0 },
  nextFireTimes: [
    '2026-12-03T08:00:00.000Z',
    '2026-12-04T08:00:00.000Z',
    '2026-12-07T08:00:00.000Z',
    '2026-12-08T08:00:00.000Z',
    '2026-12-09T08:00:00.000Z',
  ],
  recentFires: [
    {
      uid: EXAMPLE_FIRE_UID,
      triggerAt: '2026-12-02T08:00:00.000Z',
      startedAt: '2026-12-02T08:00:00.031Z',
      status: 'succeeded',
      links: {
        self: `/v1/apps/orders/callbacks/${EXAMPLE_FIRE_UID}`,
        webUi: 'http://127.0.0.1:8233/namespaces/default/workflows/callback%3Aorders%3Adaily-report-2026-12-02T08%3A00%3A00Z',
      },
    },
  ],
  createdAt: '2026-12-01T17:12:09.000Z',
  updatedAt: null,
  links: {
    self: '/v1/apps/orders/schedules/daily-report',
    fires: '/v1/apps/orders/callbacks?scheduleId=daily-report',
    webUi: 'http://127.0.0.1:8233/namespaces/default/schedules/schedule%3Aorders%3Adaily-report',
  },
};

export const ScheduleView = Type.Object(
  {
    scheduleId: ScheduleId,
    app: AppName,
    state: State,
    note: Type.Union([Type.String(), Type.Null()], { description: 'The pause note, or Temporal\'s.' }),
    alias: Alias,
    args: Type.Unknown(),
    retry: Type.Object({
      maxAttempts: Type.Integer(),
      backoff: Type.String(),
      intervalSeconds: Type.Number(),
      maxIntervalSeconds: Type.Number(),
    }),
    attemptTimeoutSeconds: Type.Number(),
    webhook: WebhookView,
    every: Type.Union([Type.String(), Type.Null()]),
    cron: Type.Union([Type.String(), Type.Null()]),
    timezone: Type.String(),
    startAt: NullableTimestamp,
    endAt: NullableTimestamp,
    limit: Type.Union([Type.Integer(), Type.Null()]),
    missedFirePolicy: MissedFirePolicy,
    catchupWindowSeconds: Type.Integer({ description: 'In force: 10 with skip.' }),
    overlap: Overlap,
    fires: Type.Object({
      total: Type.Integer({ minimum: 0, description: 'Fires started so far, triggers included.' }),
      remaining: Type.Union([Type.Integer({ minimum: 0 }), Type.Null()], { description: 'Fires left under limit; null without one.' }),
      missed: Type.Integer({ minimum: 0, description: 'Fire times dropped: outside the catch-up window, or by the overlap policy.' }),
      running: Type.Integer({ minimum: 0, description: 'Fires in progress that the schedule tracks (allowAll fires are not tracked).' }),
      buffered: Type.Integer({ minimum: 0, description: 'Fires waiting for the one in progress (bufferOne, bufferAll).' }),
    }),
    nextFireTimes: Type.Array(Timestamp, { maxItems: 5, description: 'The next five (fewer near the end; none while paused or completed).' }),
    recentFires: Type.Array(
      Type.Object({
        uid: Uid,
        triggerAt: Timestamp,
        startedAt: Timestamp,
        status: Type.Enum([...CALLBACK_STATUSES], { description: 'From Temporal visibility (about a second behind); scheduled until it shows.' }),
        links: FireLinks,
      }),
      { description: 'The last fires started (at most 10), newest first; each is a callback.' },
    ),
    createdAt: Timestamp,
    updatedAt: NullableTimestamp,
    links: Links,
  },
  { examples: [EXAMPLE_SCHEDULE] },
);
export type ScheduleView = Static<typeof ScheduleView>;

export const ScheduleSummary = Type.Object(
  {
    scheduleId: ScheduleId,
    app: AppName,
    alias: Alias,
    state: State,
    note: Type.Union([Type.String(), Type.Null()]),
    nextFireTimes: Type.Array(Timestamp, { maxItems: 5 }),
    links: Links,
  },
  {
    examples: [
      {
        scheduleId: EXAMPLE_SCHEDULE.scheduleId,
        app: EXAMPLE_SCHEDULE.app,
        alias: EXAMPLE_SCHEDULE.alias,
        state: 'active',
        note: null,
        nextFireTimes: EXAMPLE_SCHEDULE.nextFireTimes,
        links: EXAMPLE_SCHEDULE.links,
      },
    ],
  },
);
export type ScheduleSummary = Static<typeof ScheduleSummary>;

export const SchedulePage = Type.Object(
  {
    items: Type.Array(ScheduleSummary),
    nextPageToken: Type.Union([Type.String(), Type.Null()], { description: 'null on the last page.' }),
  },
  { examples: [{ items: [], nextPageToken: null }] },
);
export type SchedulePage = Static<typeof SchedulePage>;
