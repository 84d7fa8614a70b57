/**
 * The one error class of the SDK: every failed call throws it, with the API's
 * stable `code` and the HTTP status (0 when the server could not be reached).
 */
export class DelayCallbackError extends Error {
  constructor(
    /** The API's error code, e.g. `CALLBACK_NOT_FOUND`, or `NETWORK_ERROR` / `TIMEOUT` / `BAD_RESPONSE`. */
    readonly code: string,
    message: string,
    /** HTTP status; 0 when no response arrived. */
    readonly status: number,
    /** The envelope's `details`, when present. */
    readonly details?: unknown[],
    options?: { cause?: unknown; retryAfterMs?: number },
  ) {
    super(message, options);
    this.name = 'DelayCallbackError';
    this.retryAfterMs = options?.retryAfterMs;
  }

  /** How long the server asked to wait before retrying (its `Retry-After`, on 429 and 503), ms. */
  readonly retryAfterMs: number | undefined;
}
