/**
 * Every error the facade answers with, by stable code. The one mapping to HTTP
 * lives in plugins/errors.ts; everything below it throws these.
 */

export const ERROR_STATUS = {
  VALIDATION_FAILED: 400,
  MALFORMED_JSON: 400,
  /** A registration's args do not match the args schema its alias declared. */
  ARGS_INVALID: 400,
  /** A published args schema is not a valid JSON Schema (or too large, too deep, or unresolvable). */
  ALIAS_SCHEMA_INVALID: 400,
  /** Node's HTTP parser refused the request (bad request line, header or framing). */
  MALFORMED_REQUEST: 400,
  /** The codec server was sent a payload it cannot decrypt: an unknown key id, or altered data. */
  PAYLOAD_DECRYPTION_FAILED: 400,
  /** A webhook registration for an app that has no signing secret (WEBHOOK_SIGNING_SECRETS). */
  WEBHOOK_SECRET_MISSING: 400,
  /** A webhook URL whose literal IP address the target policy blocks (WEBHOOK_ALLOWED_CIDRS). */
  WEBHOOK_TARGET_BLOCKED: 400,
  UNAUTHORIZED: 401,
  FORBIDDEN: 403,
  CALLBACK_NOT_FOUND: 404,
  SCHEDULE_NOT_FOUND: 404,
  ALIAS_NOT_FOUND: 404,
  ROUTE_NOT_FOUND: 404,
  METHOD_NOT_ALLOWED: 405,
  REQUEST_TIMEOUT: 408,
  CALLBACK_RUNNING: 409,
  CALLBACK_FINISHED: 409,
  CALLBACK_NOT_FAILED: 409,
  IDEMPOTENCY_KEY_REUSED: 409,
  SCHEDULE_EXISTS: 409,
  SCHEDULE_LIMIT_REACHED: 409,
  PAYLOAD_TOO_LARGE: 413,
  UNSUPPORTED_MEDIA_TYPE: 415,
  RATE_LIMITED: 429,
  /** Too much load for now: admission control (the stack is saturated) or one of Temporal's limits; retry after Retry-After seconds. */
  OVERLOADED: 429,
  HEADERS_TOO_LARGE: 431,
  INTERNAL_ERROR: 500,
  DEPENDENCY_UNAVAILABLE: 503,
  /** Temporal did not confirm a registration and could not be asked whether it happened: retry with the same key. */
  REGISTRATION_OUTCOME_UNKNOWN: 503,
} as const;

export type ErrorCode = keyof typeof ERROR_STATUS;

export interface ValidationDetail {
  field: string;
  message: string;
}

export class ServiceError extends Error {
  readonly statusCode: number;
  /** Seconds for the Retry-After header (429, 503). */
  readonly retryAfterSeconds: number | undefined;
  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly details?: unknown[],
    options?: { cause?: unknown; retryAfterSeconds?: number },
  ) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'ServiceError';
    this.statusCode = ERROR_STATUS[code];
    this.retryAfterSeconds = options?.retryAfterSeconds;
  }
}

/** 400 VALIDATION_FAILED naming the field. */
export function validationError(field: string, message: string): ServiceError {
  return new ServiceError('VALIDATION_FAILED', `${field} ${message}`, [{ field, message } satisfies ValidationDetail]);
}

export function callbackNotFound(app: string, uid: string): ServiceError {
  return new ServiceError('CALLBACK_NOT_FOUND', `app "${app}" has no callback "${uid}"`);
}

export function scheduleNotFound(app: string, scheduleId: string): ServiceError {
  return new ServiceError('SCHEDULE_NOT_FOUND', `app "${app}" has no schedule "${scheduleId}"`);
}

/** 503: a dependency did not answer in time; the client may retry after a few seconds. */
export function dependencyUnavailable(dependency: 'temporal' | 'redis' | 'service-worker', cause: unknown): ServiceError {
  const message =
    dependency === 'service-worker'
      ? 'no service worker answered for this callback in time (is one running?); retry later'
      : `${dependency === 'temporal' ? 'Temporal' : 'Redis'} is unreachable; retry later`;
  return new ServiceError('DEPENDENCY_UNAVAILABLE', message, [{ dependency }], {
    cause,
    retryAfterSeconds: 5,
  });
}

/** What admission control refused on: the reason in `details`. */
export type OverloadReason = 'event-loop-delay' | 'heap-used' | 'start-queue' | 'fire-backlog';

/** 429 OVERLOADED: refused before anything was registered, so a retry after `retryAfterSeconds` is safe. */
export function overloaded(reason: OverloadReason, message: string, retryAfterSeconds: number): ServiceError {
  return new ServiceError('OVERLOADED', `the service is overloaded (${message}); nothing was registered, retry later`, [{ reason }], {
    retryAfterSeconds,
  });
}

/** 503 REGISTRATION_OUTCOME_UNKNOWN: the callback `uid` may or may not exist; the idempotency key is kept. */
export function registrationOutcomeUnknown(uid: string, cause: unknown, retryAfterSeconds: number): ServiceError {
  return new ServiceError(
    'REGISTRATION_OUTCOME_UNKNOWN',
    `Temporal did not confirm the registration of "${uid}" in time and could not be asked whether it happened; ` +
      'retry with the same idempotency key and body (or read the uid later)',
    [{ uid }],
    { cause, retryAfterSeconds },
  );
}

/** 503 after a start Temporal did not answer and whose workflow does not exist: definitely not registered. */
export function registrationNotStarted(cause: unknown): ServiceError {
  return new ServiceError(
    'DEPENDENCY_UNAVAILABLE',
    'Temporal did not answer the registration in time and the callback does not exist: nothing was registered; retry later',
    [{ dependency: 'temporal' }],
    { cause, retryAfterSeconds: 5 },
  );
}
