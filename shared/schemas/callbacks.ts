/** Request and response schemas of the callback routes (SPEC section 3). */
import { Type, type Static } from 'typebox';
import { ATTEMPT_ERROR_CODES, BACKOFF_KINDS, CALLBACK_STATUSES } from '../../workflows/contract.js';
import { Alias, AppName, IDEMPOTENCY_KEY_PATTERN, NullableTimestamp, Timestamp, Uid } from './common.js';

const MAX_SECONDS = 100 * 365 * 86_400;

/** RFC 3339 with an offset, or epoch milliseconds. */
const TriggerAt = Type.Union(
  [
    Type.String({
      maxLength: 40,
      description: 'RFC 3339 date-time with offset.',
      examples: ['2026-12-24T18:00:00+01:00'],
    }),
    Type.Integer({ minimum: 0, description: 'Epoch milliseconds.', examples: [1798131600000] }),
  ],
  { description: 'Absolute trigger time: RFC 3339 with offset, or epoch milliseconds. A past time fires at once.' },
);

const DelaySeconds = Type.Number({
  minimum: 0,
  maximum: MAX_SECONDS,
  description: 'Seconds from now until the trigger.',
  examples: [3],
});

export const RetryStrategyBody = Type.Object(
  {
    maxAttempts: Type.Optional(Type.Integer({ minimum: 1, maximum: 1000, description: 'All attempts, the first included. Default 10.' })),
    backoff: Type.Optional(Type.Enum([...BACKOFF_KINDS], { description: 'Default exponential.' })),
    intervalSeconds: Type.Optional(Type.Number({ exclusiveMinimum: 0, maximum: MAX_SECONDS, description: 'Default 10.' })),
    maxIntervalSeconds: Type.Optional(
      Type.Number({ exclusiveMinimum: 0, maximum: MAX_SECONDS, description: 'Cap of any delay, >= intervalSeconds. Default 86400.' }),
    ),
  },
  {
    additionalProperties: false,
    description:
      'Delay before retry n: fixed = interval; linear = n x interval; exponential = 2^(n-1) x interval; capped at maxIntervalSeconds. Omitted fields take their defaults.',
  },
);

export const WEBHOOK_URL_MAX_CHARS = 2048;
export const WEBHOOK_MAX_HEADERS = 20;
export const WEBHOOK_HEADER_VALUE_MAX_CHARS = 1024;

/** Checked further in server/callbacks/webhook-target.ts (URL shape, header names, the target policy). */
export const WebhookBody = Type.Object(
  {
    url: Type.String({
      minLength: 1,
      maxLength: WEBHOOK_URL_MAX_CHARS,
      description: 'Absolute http or https URL, without user info, at most 2048 characters. Stored in plain text: put credentials in headers.',
      examples: ['https://example.com/hooks/delay-callback'],
    }),
    headers: Type.Optional(
      Type.Unsafe<Record<string, string>>({
        type: 'object',
        additionalProperties: { type: 'string', maxLength: WEBHOOK_HEADER_VALUE_MAX_CHARS },
        maxProperties: WEBHOOK_MAX_HEADERS,
        description:
          'Custom request headers: at most 20, token-syntax names (not hop-by-hop, host, content-length, content-type, expect ' +
          'or webhook-*), values at most 1024 characters. Values are stored encrypted and never returned.',
        examples: [{ authorization: 'Bearer 6f1d2c9a' }],
      }),
    ),
  },
  {
    additionalProperties: false,
    description: 'Deliver to this URL (a signed POST, Standard Webhooks) instead of the app\'s SDK worker.',
  },
);
export type WebhookBody = Static<typeof WebhookBody>;

export const RegisterBody = Type.Object(
  {
    alias: Alias,
    args: Type.Optional(Type.Unknown({ description: 'Any JSON value, given to the handler as is. Default null.' })),
    delaySeconds: Type.Optional(DelaySeconds),
    triggerAt: Type.Optional(TriggerAt),
    retry: Type.Optional(
      Type.Union([RetryStrategyBody, Type.Null()], { description: 'Retry strategy; null means a single attempt.' }),
    ),
    idempotencyKey: Type.Optional(
      Type.String({ pattern: IDEMPOTENCY_KEY_PATTERN, description: '1 to 256 printable ASCII characters.', examples: ['order-42-expiry'] }),
    ),
    attemptTimeoutSeconds: Type.Optional(Type.Number({ minimum: 1, maximum: 86_400, description: 'Default 30.' })),
    webhook: Type.Optional(WebhookBody),
  },
  {
    additionalProperties: false,
    description: 'Exactly one of delaySeconds and triggerAt.',
    examples: [
      {
        alias: 'callback01',
        args: ['hello', 'world'],
        delaySeconds: 3,
        retry: { maxAttempts: 10, backoff: 'exponential', intervalSeconds: 10, maxIntervalSeconds: 86400 },
        idempotencyKey: 'order-42-expiry',
        attemptTimeoutSeconds: 30,
      },
      {
        alias: 'order-expired',
        args: { order: 42 },
        delaySeconds: 3600,
        webhook: { url: 'https://example.com/hooks/delay-callback', headers: { authorization: 'Bearer 6f1d2c9a' } },
      },
    ],
  },
);
export type RegisterBody = Static<typeof RegisterBody>;

export const RegisterHeaders = Type.Object({
  'idempotency-key': Type.Optional(Type.String({ pattern: IDEMPOTENCY_KEY_PATTERN, description: 'Same as the body field; both present must agree.' })),
});

export const RescheduleBody = Type.Object(
  { delaySeconds: Type.Optional(DelaySeconds), triggerAt: Type.Optional(TriggerAt) },
  { additionalProperties: false, description: 'Exactly one of delaySeconds and triggerAt.', examples: [{ delaySeconds: 60 }] },
);
export type RescheduleBody = Static<typeof RescheduleBody>;

const Links = Type.Object({
  self: Type.String({ description: 'This callback in the API.' }),
  webUi: Type.String({ description: 'The workflow in the Temporal Web UI.' }),
});

const Status = Type.Enum([...CALLBACK_STATUSES]);

/** For the OpenAPI document. */
const EXAMPLE_UID = '3f1c2a9e-4b7d-4d2e-9a51-0c8e6f2b7d10';
export const EXAMPLE_SUMMARY = {
  uid: EXAMPLE_UID,
  app: 'orders',
  alias: 'callback01',
  status: 'scheduled',
  triggerAt: '2026-11-27T10:00:03.000Z',
  createdAt: '2026-11-27T10:00:00.000Z',
  links: {
    self: `/v1/apps/orders/callbacks/${EXAMPLE_UID}`,
    webUi: `http://127.0.0.1:8233/namespaces/default/workflows/callback%3Aorders%3A${EXAMPLE_UID}`,
  },
};

export const CallbackSummary = Type.Object(
  {
    uid: Uid,
    app: AppName,
    alias: Alias,
    status: Status,
    triggerAt: Timestamp,
    createdAt: Timestamp,
    links: Links,
  },
  { examples: [EXAMPLE_SUMMARY] },
);
export type CallbackSummary = Static<typeof CallbackSummary>;

const AttemptErrorSchema = Type.Object({
  code: Type.Enum([...ATTEMPT_ERROR_CODES]),
  message: Type.String(),
});

export const CallbackDetail = Type.Object({
  uid: Uid,
  app: AppName,
  alias: Alias,
  args: Type.Unknown(),
  status: Status,
  triggerAt: Timestamp,
  createdAt: Timestamp,
  attempts: Type.Integer({ description: 'Attempts made so far.' }),
  lastError: Type.Union([AttemptErrorSchema, Type.Null()]),
  nextAttemptAt: NullableTimestamp,
  firedAt: Type.Union([Timestamp, Type.Null()], { description: 'When the first attempt started.' }),
  latenessMs: Type.Union([Type.Number(), Type.Null()], { description: 'firedAt minus triggerAt.' }),
  completedAt: NullableTimestamp,
  result: Type.Unknown({ description: "The handler's return value once succeeded." }),
  retry: Type.Object({
    maxAttempts: Type.Integer(),
    backoff: Type.Enum([...BACKOFF_KINDS]),
    intervalSeconds: Type.Number(),
    maxIntervalSeconds: Type.Number(),
  }),
  attemptTimeoutSeconds: Type.Number(),
  attemptHistory: Type.Array(
    Type.Object({
      attempt: Type.Integer(),
      startedAt: Timestamp,
      finishedAt: Timestamp,
      error: Type.Union([AttemptErrorSchema, Type.Null()]),
      httpStatus: Type.Optional(
        Type.Union([Type.Integer(), Type.Null()], { description: "Webhook callbacks only: the receiver's HTTP status; null when it did not answer." }),
      ),
      durationMs: Type.Optional(Type.Number({ description: 'Webhook callbacks only: from connecting to the end of the answer, in milliseconds.' })),
    }),
    { description: 'The most recent attempts, oldest first.' },
  ),
  waitingForWorker: Type.Boolean({
    description: "Its attempt waits in the app's task queue: no worker of the app has taken it yet (none runs, or all are busy).",
  }),
  links: Links,
}, {
  examples: [
    {
      ...EXAMPLE_SUMMARY,
      args: ['hello', 'world'],
      status: 'succeeded',
      attempts: 2,
      lastError: { code: 'HANDLER_FAILED', message: 'connection reset by peer' },
      nextAttemptAt: null,
      firedAt: '2026-11-27T10:00:03.012Z',
      latenessMs: 12,
      completedAt: '2026-11-27T10:00:13.040Z',
      result: { delivered: true },
      retry: { maxAttempts: 10, backoff: 'exponential', intervalSeconds: 10, maxIntervalSeconds: 86400 },
      attemptTimeoutSeconds: 30,
      attemptHistory: [
        {
          attempt: 1,
          startedAt: '2026-11-27T10:00:03.012Z',
          finishedAt: '2026-11-27T10:00:03.020Z',
          error: { code: 'HANDLER_FAILED', message: 'connection reset by peer' },
        },
        { attempt: 2, startedAt: '2026-11-27T10:00:13.030Z', finishedAt: '2026-11-27T10:00:13.040Z', error: null },
      ],
      waitingForWorker: false,
    },
  ],
});
export type CallbackDetail = Static<typeof CallbackDetail>;

export const CancelResponse = Type.Object(
  { uid: Uid, status: Type.Literal('cancelled') },
  { examples: [{ uid: EXAMPLE_UID, status: 'cancelled' }] },
);
