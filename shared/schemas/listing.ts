/** Schemas of the list and stats routes. */
import { Type, type Static } from 'typebox';
import { CALLBACK_STATUSES } from '../../workflows/contract.js';
import { Alias, AppName, ScheduleId, Timestamp, Uid } from './common.js';
import { CallbackSummary, EXAMPLE_SUMMARY } from './callbacks.js';

export const ListQuery = Type.Object(
  {
    status: Type.Optional(Type.Enum([...CALLBACK_STATUSES], { description: 'Only callbacks in this status.' })),
    alias: Type.Optional(Alias),
    triggerAfter: Type.Optional(Type.String({ maxLength: 40, description: 'Trigger time at or after this instant (RFC 3339 with offset, or epoch ms).' })),
    triggerBefore: Type.Optional(Type.String({ maxLength: 40, description: 'Trigger time before this instant (RFC 3339 with offset, or epoch ms).' })),
    scheduleId: Type.Optional({ ...ScheduleId, description: 'Only the fires of this schedule.' }),
    pageSize: Type.Optional(Type.Integer({ minimum: 1, maximum: 1000, description: 'Default 50.' })),
    pageToken: Type.Optional(Type.String({ minLength: 1, maxLength: 4096, description: 'nextPageToken of the previous page of the same listing.' })),
  },
  { additionalProperties: false },
);
export type ListQuery = Static<typeof ListQuery>;

export const StatsQuery = Type.Object(
  {
    overdueAfterSeconds: Type.Optional(
      Type.Number({ minimum: 0, maximum: 31_536_000, description: 'A trigger this long past without a finished attempt is overdue. Default 60.' }),
    ),
  },
  { additionalProperties: false },
);

export const CallbackPage = Type.Object(
  {
    items: Type.Array(CallbackSummary, { description: 'Newest first.' }),
    nextPageToken: Type.Union([Type.String(), Type.Null()], { description: 'null on the last page.' }),
  },
  { examples: [{ items: [EXAMPLE_SUMMARY], nextPageToken: null }] },
);

const Counts = Type.Object(
  Object.fromEntries(CALLBACK_STATUSES.map((status) => [status, Type.Integer({ minimum: 0 })])) as Record<
    (typeof CALLBACK_STATUSES)[number],
    ReturnType<typeof Type.Integer>
  >,
  { description: 'Every status, zeros included.' },
);

export const Stats = Type.Object({
  app: AppName,
  counts: Counts,
  total: Type.Integer({ minimum: 0 }),
  overdue: Type.Object(
    {
      count: Type.Integer({ minimum: 0, description: 'Callbacks whose trigger passed more than graceSeconds ago without a finished attempt.' }),
      graceSeconds: Type.Number(),
      oldest: Type.Union([
        Type.Object({
          uid: Uid,
          status: Type.Enum([...CALLBACK_STATUSES]),
          triggerAt: Timestamp,
          overdueMs: Type.Number(),
          waitingForWorker: Type.Boolean({ description: 'Its attempt waits in the app task queue: no worker of the app picked it up.' }),
          links: Type.Object({ self: Type.String(), webUi: Type.String() }),
        }),
        Type.Null(),
      ]),
    },
    { description: 'A stuck-queue detector.' },
  ),
  backlog: Type.Object(
    {
      due: Type.Integer({ minimum: 0, description: 'Callbacks whose trigger time passed and whose first attempt has not started (visibility, eventually consistent).' }),
      oldestDueMs: Type.Union([Type.Number(), Type.Null()], { description: 'How long past its trigger the oldest of them is (of at most 1000 scanned); null when none.' }),
      waitingForWorker: Type.Integer({ minimum: 0, description: "Attempts waiting in the app's task queue for a worker of the app (approximate)." }),
      oldestWaitingMs: Type.Union([Type.Number(), Type.Null()], { description: 'How long the oldest of those has waited; null when none.' }),
      pollers: Type.Integer({ minimum: 0, description: "Workers polling the app's task queue lately; 0 means no attempt can run." }),
    },
    { description: 'How far behind firing is for this app right now (see docs/overload.md).' },
  ),
  links: Type.Object({ webUi: Type.String({ description: "The app's callbacks in the Temporal Web UI." }) }),
  asOf: Type.String({
    format: 'date-time',
    description: "When these figures were computed: an app's stats are served again for STATS_CACHE_MS (5 s by default).",
  }),
}, {
  examples: [
    {
      app: 'orders',
      counts: { scheduled: 3, running: 0, retrying: 1, succeeded: 10, failed: 1, cancelled: 2 },
      total: 17,
      overdue: { count: 0, graceSeconds: 60, oldest: null },
      backlog: { due: 0, oldestDueMs: null, waitingForWorker: 0, oldestWaitingMs: null, pollers: 1 },
      links: { webUi: 'http://127.0.0.1:8233/namespaces/default/workflows?query=CallbackApp%3D%22orders%22' },
      asOf: '2026-11-27T10:00:00.000Z',
    },
  ],
});
