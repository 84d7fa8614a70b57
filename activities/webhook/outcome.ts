/**
 * What an answer (or the lack of one) means for the attempt: the outcomes
 * table of docs/webhooks.md, in one place.
 */
import type { WebhookAttemptFailureCode } from '../../workflows/webhook-contract.js';
import type { PostAnswer } from './http-post.js';
import { PostTimeoutError } from './http-post.js';
import { retryAfterMs } from './retry-after.js';
import { TargetBlockedError } from './target-policy.js';
import { jsonDepth } from '../../shared/json-depth.js';

export type AttemptVerdict =
  | { ok: true; result: unknown; status: number }
  | {
      ok: false;
      code: WebhookAttemptFailureCode;
      message: string;
      status: number | null;
      retryAfterMs: number | null;
      final: boolean;
    };

/** Statuses whose Retry-After moves the next attempt. */
const RETRY_AFTER_STATUSES = new Set([429, 503]);
/** Deeper JSON is not kept as the result (it has to travel through Temporal and the API). */
const MAX_RESULT_DEPTH = 64;
const SNIPPET_CHARS = 200;

export function classifyAnswer(answer: PostAnswer, now: number): AttemptVerdict {
  const { status } = answer;
  if (status >= 200 && status < 300) return { ok: true, status, result: resultOf(answer.body) };
  if (status === 410) {
    return { ok: false, code: 'WEBHOOK_GONE', status, message: 'the receiver answered 410 Gone: no further attempts', retryAfterMs: null, final: true };
  }
  const redirect = status >= 300 && status < 400 ? ' (redirects are never followed)' : '';
  return {
    ok: false,
    code: 'WEBHOOK_HTTP_STATUS',
    status,
    message: `the receiver answered ${status}${redirect}${snippetOf(answer.body)}`,
    retryAfterMs: RETRY_AFTER_STATUSES.has(status) ? retryAfterMs(answer.headers['retry-after'], now) : null,
    final: false,
  };
}

export function classifyError(err: unknown, host: string, timeoutSeconds: number): AttemptVerdict {
  const failed = (code: WebhookAttemptFailureCode, message: string): AttemptVerdict => ({
    ok: false,
    code,
    message,
    status: null,
    retryAfterMs: null,
    final: false,
  });
  if (err instanceof TargetBlockedError) return failed('WEBHOOK_TARGET_BLOCKED', `${err.message}; nothing was sent`);
  if (err instanceof PostTimeoutError) return failed('ATTEMPT_TIMEOUT', `${host} did not answer within ${timeoutSeconds} s`);
  const { code, message } = err as NodeJS.ErrnoException;
  if (code === 'ENOTFOUND' || code === 'EAI_AGAIN') return failed('WEBHOOK_UNREACHABLE', `${host} could not be resolved (${code})`);
  const text = err instanceof Error ? message : String(err);
  return failed('WEBHOOK_UNREACHABLE', `${host} could not be reached: ${code && !text.includes(code) ? `${code} ` : ''}${text}`);
}

/** A 2xx body is the result when it is JSON (of at most the response limit); otherwise null. */
function resultOf(body: Buffer | null): unknown {
  if (body === null || body.length === 0) return null;
  try {
    const value: unknown = JSON.parse(body.toString('utf8'));
    return jsonDepth(value, MAX_RESULT_DEPTH) > MAX_RESULT_DEPTH ? null : value;
  } catch {
    return null;
  }
}

/** The start of an error answer's body, printable, for the attempt's message. */
function snippetOf(body: Buffer | null): string {
  if (body === null || body.length === 0) return '';
  const raw = body.toString('utf8', 0, Math.min(body.length, SNIPPET_CHARS * 4));
  const text = [...raw].map((char) => (char < ' ' || char === '\u007f' ? ' ' : char)).join('').trim();
  if (text === '') return '';
  return `: ${text.length > SNIPPET_CHARS ? `${text.slice(0, SNIPPET_CHARS)}…` : text}`;
}
