/** Schemas shared by every route: names, the error envelope, timestamps. */
import { Type, type TSchema } from 'typebox';

/** App names and aliases. */
export const APP_NAME_PATTERN = '^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$';
export const ALIAS_PATTERN = APP_NAME_PATTERN;
export const UID_PATTERN = '^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$';
/** 1 to 256 printable ASCII characters. */
export const IDEMPOTENCY_KEY_PATTERN = '^[\\x20-\\x7E]{1,256}$';

export const AppName = Type.String({ pattern: APP_NAME_PATTERN, description: 'Application name.', examples: ['orders'] });
export const Alias = Type.String({ pattern: ALIAS_PATTERN, description: 'Name of the handler the application defined.', examples: ['callback01'] });
export const Uid = Type.String({ pattern: UID_PATTERN, description: 'Callback id, unique within the app.', examples: ['3f1c2a9e-4b7d-4d2e-9a51-0c8e6f2b7d10'] });
export const Timestamp = Type.String({ format: 'date-time', description: 'RFC 3339 UTC with milliseconds.', examples: ['2026-11-27T10:00:00.000Z'] });
export const NullableTimestamp = Type.Union([Timestamp, Type.Null()]);

/** A schedule's id, chosen by the client (or generated); its fires' uids are `<scheduleId>-<time>`. */
export const ScheduleId = Type.String({
  pattern: APP_NAME_PATTERN,
  description: 'Schedule id, unique within the app: letters, digits, . _ - (at most 64).',
  examples: ['daily-report'],
});

export const AppParams = Type.Object({ app: AppName }, { additionalProperties: false });
export const CallbackParams = Type.Object({ app: AppName, uid: Uid }, { additionalProperties: false });

interface ErrorDoc {
  description: string;
  example: { code: string; message: string; details?: unknown[] };
}

/** What each error status means on the callback routes, with an example envelope. */
const ERROR_DOCS: Record<number, ErrorDoc> = {
  400: {
    description: 'Malformed JSON (MALFORMED_JSON) or a schema violation (VALIDATION_FAILED naming the field in details).',
    example: { code: 'VALIDATION_FAILED', message: 'body.delaySeconds must be >= 0', details: [{ field: 'body.delaySeconds', message: 'must be >= 0' }] },
  },
  401: {
    description: 'Missing, malformed or unknown bearer token (UNAUTHORIZED); the answer carries WWW-Authenticate.',
    example: { code: 'UNAUTHORIZED', message: 'unknown token' },
  },
  403: { description: 'The token belongs to another app (FORBIDDEN).', example: { code: 'FORBIDDEN', message: 'this token is not valid for app "orders"' } },
  404: {
    description: 'No callback of this app has this uid (CALLBACK_NOT_FOUND).',
    example: { code: 'CALLBACK_NOT_FOUND', message: 'app "orders" has no callback "3f1c2a9e-4b7d-4d2e-9a51-0c8e6f2b7d10"' },
  },
  409: {
    description:
      'Conflict: CALLBACK_RUNNING (an attempt is in flight), CALLBACK_FINISHED (details: [{status}]) or IDEMPOTENCY_KEY_REUSED (same key, different body).',
    example: { code: 'CALLBACK_FINISHED', message: 'the callback has already succeeded', details: [{ status: 'succeeded' }] },
  },
  413: {
    description: 'Body or serialized args larger than the limit (PAYLOAD_TOO_LARGE).',
    example: { code: 'PAYLOAD_TOO_LARGE', message: 'args is 70000 bytes serialized, more than the 65536-byte limit' },
  },
  415: {
    description: 'A body without Content-Type: application/json (UNSUPPORTED_MEDIA_TYPE).',
    example: { code: 'UNSUPPORTED_MEDIA_TYPE', message: 'only application/json bodies are accepted', details: [{ contentType: 'text/plain' }] },
  },
  429: {
    description:
      'Rate limited per token (RATE_LIMITED), or too much load for now (OVERLOADED): on registration, admission control found the ' +
      "stack saturated (details: [{reason}]; nothing registered, the key released), or one of Temporal's limits refused the call; " +
      'retry after Retry-After seconds.',
    example: { code: 'RATE_LIMITED', message: 'rate limit of 6000 requests per 1 minute exceeded; retry later' },
  },
  503: {
    description:
      'Temporal, Redis or a service worker did not answer in time (DEPENDENCY_UNAVAILABLE, details name which; on registration: ' +
      'nothing was registered, the key released), or, on registration, Temporal did not confirm the start and could not be asked ' +
      'whether it happened (REGISTRATION_OUTCOME_UNKNOWN, details: [{uid}], the key kept: retry with the same key and body); ' +
      'retry after Retry-After seconds.',
    example: { code: 'DEPENDENCY_UNAVAILABLE', message: 'Temporal is unreachable; retry later', details: [{ dependency: 'temporal' }] },
  },
};

/** The one error shape: `{"error": {"code", "message", "details"}}`. */
export function errorEnvelope(description: string, example: ErrorDoc['example'] = ERROR_DOCS[400]!.example): TSchema {
  return Type.Object(
    {
      error: Type.Object({
        code: Type.String({ description: 'Stable machine-readable code.' }),
        message: Type.String({ description: 'Human sentence.' }),
        details: Type.Optional(Type.Array(Type.Unknown(), { description: 'Per-field problems or context, when there are any.' })),
      }),
    },
    { description, examples: [{ error: example }] },
  );
}

/** Error responses of a route, each documented with the envelope and an example. */
export function errorResponses(...statuses: number[]): Record<number, TSchema> {
  return Object.fromEntries(
    statuses.map((status) => {
      const doc = ERROR_DOCS[status];
      return [status, doc ? errorEnvelope(doc.description, doc.example) : errorEnvelope('Error.')];
    }),
  );
}
