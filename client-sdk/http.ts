/**
 * JSON over HTTP to the facade with Node's fetch: a timeout per request,
 * retries (p-retry's exponential backoff, after Retry-After when the server
 * sends one, in seconds or as an HTTP date) for calls that are safe to repeat,
 * and every failure turned into a DelayCallbackError.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import pRetry from 'p-retry';
import { DelayCallbackError } from './errors.js';

export interface HttpOptions {
  baseUrl: string;
  token?: string;
  timeoutMs: number;
  retries: number;
}

export interface HttpRequest {
  method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
  path: string;
  body?: unknown;
  headers?: Record<string, string>;
  /** Safe to send again after a network error, 429 or 503. */
  idempotent: boolean;
  /** This request's timeout. @default the client's timeoutMs */
  timeoutMs?: number;
}

export interface HttpResponse<T> {
  status: number;
  headers: Headers;
  body: T;
}

const RETRYABLE_STATUSES = new Set([429, 503]);
/** The longest Retry-After waited for before a retry; a server asking more is retried after this. */
const MAX_RETRY_AFTER_MS = 10_000;

export class HttpClient {
  constructor(private readonly options: HttpOptions) {}

  async request<T>(request: HttpRequest): Promise<HttpResponse<T>> {
    return pRetry(() => this.once<T>(request), {
      retries: this.options.retries,
      // 0.25 s doubling, at most 10 s between two attempts.
      minTimeout: 250,
      maxTimeout: 10_000,
      shouldRetry: async ({ error }) => {
        const canRetry =
          error instanceof DelayCallbackError &&
          (request.idempotent ? error.status === 0 || RETRYABLE_STATUSES.has(error.status) : error.code === 'CONNECTION_REFUSED');
        if (!canRetry) return false;
        // The server said when to come back: not before (then the backoff as usual).
        const retryAfterMs = error.retryAfterMs;
        if (retryAfterMs !== undefined) await sleep(Math.min(retryAfterMs, MAX_RETRY_AFTER_MS));
        return true;
      },
    });
  }

  private async once<T>(request: HttpRequest): Promise<HttpResponse<T>> {
    const headers: Record<string, string> = { accept: 'application/json', ...request.headers };
    if (this.options.token) headers.authorization = `Bearer ${this.options.token}`;
    if (request.body !== undefined) headers['content-type'] = 'application/json';
    let response: Response;
    try {
      response = await fetch(new URL(request.path, this.options.baseUrl), {
        method: request.method,
        headers,
        body: request.body === undefined ? undefined : JSON.stringify(request.body),
        signal: AbortSignal.timeout(request.timeoutMs ?? this.options.timeoutMs),
      });
    } catch (err) {
      throw networkError(err, { ...this.options, timeoutMs: request.timeoutMs ?? this.options.timeoutMs });
    }
    const text = await response.text();
    let body: unknown;
    try {
      body = text === '' ? undefined : JSON.parse(text);
    } catch (err) {
      throw new DelayCallbackError('BAD_RESPONSE', `the server answered ${response.status} with a body that is not JSON`, response.status, undefined, { cause: err });
    }
    if (!response.ok) {
      const envelope = (body as { error?: { code?: string; message?: string; details?: unknown[] } } | undefined)?.error;
      throw new DelayCallbackError(
        envelope?.code ?? `HTTP_${response.status}`,
        envelope?.message ?? `the server answered ${response.status}`,
        response.status,
        envelope?.details,
        { retryAfterMs: parseRetryAfter(response.headers.get('retry-after')) },
      );
    }
    return { status: response.status, headers: response.headers, body: body as T };
  }
}

/** `Retry-After` as delay-seconds or an HTTP date (RFC 9110), in ms; undefined when absent or unreadable. */
export function parseRetryAfter(value: string | null, now = Date.now()): number | undefined {
  if (value === null) return undefined;
  const trimmed = value.trim();
  if (/^\d+$/.test(trimmed)) return Number(trimmed) * 1000;
  // An HTTP date names its day and month ("Tue, 01 Dec 2026 10:00:07 GMT"); "-3" is no date.
  const at = /[A-Za-z]{3}/.test(trimmed) ? Date.parse(trimmed) : Number.NaN;
  return Number.isFinite(at) ? Math.max(0, at - now) : undefined;
}

function networkError(err: unknown, options: HttpOptions): DelayCallbackError {
  const cause = (err as { cause?: { code?: string } }).cause;
  if (err instanceof DOMException && err.name === 'TimeoutError') {
    return new DelayCallbackError('TIMEOUT', `no answer from ${options.baseUrl} within ${options.timeoutMs} ms`, 0, undefined, { cause: err });
  }
  if (cause?.code === 'ECONNREFUSED') {
    return new DelayCallbackError('CONNECTION_REFUSED', `${options.baseUrl} refused the connection`, 0, undefined, { cause: err });
  }
  return new DelayCallbackError('NETWORK_ERROR', `could not reach ${options.baseUrl}: ${(err as Error).message}`, 0, undefined, { cause: err });
}
