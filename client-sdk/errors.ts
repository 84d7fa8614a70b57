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
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'DelayCallbackError';
  }
}
