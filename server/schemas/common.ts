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

export const AppParams = Type.Object({ app: AppName }, { additionalProperties: false });
export const CallbackParams = Type.Object({ app: AppName, uid: Uid }, { additionalProperties: false });

const ERROR_DESCRIPTIONS: Record<number, string> = {
  400: 'Malformed JSON or a schema violation (VALIDATION_FAILED naming the field).',
  401: 'Missing or wrong bearer token (UNAUTHORIZED).',
  403: 'The token belongs to another app (FORBIDDEN).',
  404: 'Unknown callback (CALLBACK_NOT_FOUND).',
  409: 'Conflict with the state of the callback or with an idempotency key.',
  413: 'Body or args larger than the limit (PAYLOAD_TOO_LARGE).',
  415: 'Content type other than application/json (UNSUPPORTED_MEDIA_TYPE).',
  429: 'Rate limited (RATE_LIMITED); see Retry-After.',
  503: 'Temporal or Redis unreachable (DEPENDENCY_UNAVAILABLE); see Retry-After.',
};

/** The one error shape: `{"error": {"code", "message", "details"}}`. */
export function errorEnvelope(description: string, example = { code: 'VALIDATION_FAILED', message: 'body/alias must match pattern' }): TSchema {
  return Type.Object(
    {
      error: Type.Object({
        code: Type.String({ description: 'Stable machine-readable code.' }),
        message: Type.String({ description: 'Human sentence.' }),
        details: Type.Optional(Type.Array(Type.Unknown())),
      }),
    },
    { description, examples: [{ error: example }] },
  );
}

/** Error responses of a route, each documented with the envelope. */
export function errorResponses(...statuses: number[]): Record<number, TSchema> {
  return Object.fromEntries(statuses.map((status) => [status, errorEnvelope(ERROR_DESCRIPTIONS[status] ?? 'Error.')]));
}
