/** Request and response schemas of bulk registration. */
import { Type, type Static } from 'typebox';
import { EXAMPLE_SUMMARY, CallbackSummary } from './callbacks.js';

/** Items one batch may carry. */
export const MAX_BATCH_ITEMS = 1000;
/** A batch key leaves room for `:<index>` within the 256 characters of an item key. */
export const BATCH_KEY_PATTERN = '^[\\x20-\\x7E]{1,250}$';

export const BatchHeaders = Type.Object({
  'idempotency-key': Type.Optional(
    Type.String({
      pattern: BATCH_KEY_PATTERN,
      description: 'Batch key, 1 to 250 printable ASCII characters: an item without its own idempotencyKey gets `<key>:<index>` (0-based).',
    }),
  ),
});

export const BatchBody = Type.Object(
  {
    items: Type.Array(
      // Each item is checked by the single registration's own schema, one by one, so one bad item
      // is that item's 400, not the whole batch's.
      Type.Object({}, { description: 'A registration body, exactly as `POST /v1/apps/{app}/callbacks` takes it.' }),
      { minItems: 1, maxItems: MAX_BATCH_ITEMS },
    ),
  },
  {
    additionalProperties: false,
    examples: [
      {
        items: [
          { alias: 'order-expiry', args: { orderId: 42 }, delaySeconds: 1800 },
          { alias: 'order-expiry', args: { orderId: 43 }, delaySeconds: 1800, idempotencyKey: 'order-43-expiry' },
        ],
      },
    ],
  },
);
export type BatchBody = Static<typeof BatchBody>;

const ItemError = Type.Object({
  code: Type.String({ description: 'Stable machine-readable code.' }),
  message: Type.String({ description: 'Human sentence.' }),
  details: Type.Optional(Type.Array(Type.Unknown())),
});

export const BatchItemRegistered = Type.Object(
  {
    status: Type.Union([Type.Literal(201), Type.Literal(200)], { description: '201 registered, 200 idempotent replay.' }),
    callback: CallbackSummary,
  },
  { description: 'What the single route answers, nested under `callback` (its own `status` is the callback\'s).' },
);

export const BatchItemFailed = Type.Object(
  {
    status: Type.Integer({ minimum: 400, maximum: 599, description: 'The HTTP status the single route would answer.' }),
    error: ItemError,
    retryAfterSeconds: Type.Optional(Type.Integer({ description: 'What the single route would send as Retry-After (429, 503).' })),
  },
  { description: 'The error envelope the single route would answer; nothing was registered for this item.' },
);

export type BatchItemResult = Static<typeof BatchItemRegistered> | Static<typeof BatchItemFailed>;

export const BatchResponse = Type.Object(
  { items: Type.Array(Type.Union([BatchItemRegistered, BatchItemFailed]), { description: 'One result per item, in request order.' }) },
  {
    examples: [
      {
        items: [
          { status: 201, callback: EXAMPLE_SUMMARY },
          {
            status: 400,
            error: {
              code: 'VALIDATION_FAILED',
              message: 'body.delaySeconds must be >= 0',
              details: [{ field: 'body.delaySeconds', message: 'must be >= 0' }],
            },
          },
        ],
      },
    ],
  },
);
