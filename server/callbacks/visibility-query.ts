/**
 * Temporal visibility queries for an app's callbacks, and the page tokens we
 * hand out for them. Pure: no I/O, so every query shape is unit-tested.
 *
 * A callback's status is its CallbackStatus search attribute while its workflow
 * runs or once it closed normally, with two readings GET shares: the first
 * attempt writes no status, so `scheduled` past CallbackTriggerAt is `running`;
 * a workflow terminated from outside (or timed out) is `failed` (lastError
 * TERMINATED), one cancelled through Temporal is `cancelled`.
 */
import { createHash } from 'node:crypto';
import { WORKFLOW_TYPE, isFinalStatus, type CallbackStatus } from '../../workflows/contract.js';
import { scheduledByIdKey, temporalScheduleId } from '../../workflows/schedule-fire.js';
import { validationError } from '../errors.js';

export interface ListFilters {
  status?: CallbackStatus;
  alias?: string;
  /** Epoch ms, inclusive. */
  triggerAfter?: number;
  /** Epoch ms, exclusive. */
  triggerBefore?: number;
  /** Only the fires of this schedule (pattern-checked like app names). */
  scheduleId?: string;
}

const ABANDONED_STATUSES = "('Terminated', 'TimedOut', 'Canceled')";
/** Ended from outside without a result of ours: terminated or timed out count as failed, cancelled as cancelled. */
const ENDED_FROM_OUTSIDE: Partial<Record<CallbackStatus, string>> = {
  failed: "ExecutionStatus IN ('Terminated', 'TimedOut')",
  cancelled: "ExecutionStatus = 'Canceled'",
};

/**
 * Escapes for a string literal of Temporal's SQL-like visibility grammar: its tokenizer (a MySQL
 * dialect) ends a literal at the unescaped quote, reads a backslash as an escape and decodes
 * `\b \n \r \t \Z \\ \' \"`; everything else (any Unicode) stands for itself.
 */
const LITERAL_ESCAPES: Record<string, string> = {
  '\\': '\\\\',
  "'": "\\'",
  '"': '\\"',
  '\b': '\\b',
  '\n': '\\n',
  '\r': '\\r',
  '\t': '\\t',
  '\x1a': '\\Z',
};

/**
 * `value` as one string literal, whatever it holds: the query's safety does not depend on the
 * route schemas that check app names and aliases before they get here. A NUL character is
 * refused (400 naming `field`): no visibility store keeps one, and Temporal's SQLite store fails
 * on it even escaped; dropping it instead could match another name.
 */
export function literal(value: string, field = 'query', quote: "'" | '"' = "'"): string {
  let escaped = '';
  for (const char of value) {
    if (char === '\0') throw validationError(field, 'must not contain a NUL character');
    escaped += LITERAL_ESCAPES[char] ?? char;
  }
  return `${quote}${escaped}${quote}`;
}

/**
 * Visibility condition for callbacks in `status` at `now` (epoch ms). Every value goes through
 * `literal`, whatever the routes checked before.
 */
export function statusCondition(status: CallbackStatus, now: number = Date.now()): string {
  const outside = ENDED_FROM_OUTSIDE[status];
  if (isFinalStatus(status)) {
    const recorded = `(CallbackStatus = ${literal(status)} AND ExecutionStatus NOT IN ${ABANDONED_STATUSES})`;
    return outside ? `(${recorded} OR ${outside})` : recorded;
  }
  const at = literal(new Date(now).toISOString());
  if (status === 'scheduled') return `CallbackStatus = 'scheduled' AND CallbackTriggerAt > ${at} AND ExecutionStatus = 'Running'`;
  if (status === 'running') return `(CallbackStatus = 'running' OR (CallbackStatus = 'scheduled' AND CallbackTriggerAt <= ${at})) AND ExecutionStatus = 'Running'`;
  return `CallbackStatus = ${literal(status)} AND ExecutionStatus = 'Running'`;
}

export function listQuery(app: string, filters: ListFilters = {}, now: number = Date.now()): string {
  const conditions = [`WorkflowType = ${literal(WORKFLOW_TYPE)}`, `CallbackApp = ${literal(app, 'path.app')}`];
  if (filters.status) conditions.push(statusCondition(filters.status, now));
  if (filters.alias) conditions.push(`CallbackAlias = ${literal(filters.alias, 'query.alias')}`);
  if (filters.triggerAfter !== undefined) conditions.push(`CallbackTriggerAt >= ${literal(new Date(filters.triggerAfter).toISOString())}`);
  if (filters.triggerBefore !== undefined) conditions.push(`CallbackTriggerAt < ${literal(new Date(filters.triggerBefore).toISOString())}`);
  // Temporal sets it on every run a schedule starts: no search attribute of ours to register.
  if (filters.scheduleId) conditions.push(`${scheduledByIdKey.name} = ${literal(temporalScheduleId(app, filters.scheduleId), 'query.scheduleId')}`);
  return conditions.join(' AND ');
}

/** Callbacks whose trigger time passed more than `graceMs` ago and that have not finished an attempt yet. */
export function overdueQuery(app: string, now: number, graceMs: number): string {
  return [
    `WorkflowType = ${literal(WORKFLOW_TYPE)}`,
    `CallbackApp = ${literal(app, 'path.app')}`,
    `ExecutionStatus = 'Running'`,
    `CallbackStatus IN ('scheduled', 'running')`,
    `CallbackTriggerAt < ${literal(new Date(now - graceMs).toISOString())}`,
  ].join(' AND ');
}

/** Callbacks (of `app`, or of every app) whose trigger time has passed and whose first attempt has not started. */
export function dueQuery(app: string | undefined, now: number): string {
  return [
    `WorkflowType = ${literal(WORKFLOW_TYPE)}`,
    ...(app === undefined ? [] : [`CallbackApp = ${literal(app, 'path.app')}`]),
    `ExecutionStatus = 'Running'`,
    `CallbackStatus = 'scheduled'`,
    `CallbackTriggerAt <= ${literal(new Date(now).toISOString())}`,
  ].join(' AND ');
}

/** What the Web UI's list shows for one app. */
export function appUiQuery(app: string): string {
  return `CallbackApp = ${literal(app, 'path.app', '"')}`;
}

interface PageTokenBody {
  /** Which query the token continues. */
  q: string;
  /** Temporal's own token, base64. */
  t: string;
  /** The moment the listing's status conditions were taken at (epoch ms), kept for every page. */
  n?: number;
}

const queryId = (query: string): string => createHash('sha256').update(query).digest('base64url').slice(0, 16);

export function encodePageToken(query: string, temporalToken: Uint8Array, now?: number): string {
  const body: PageTokenBody = { q: queryId(query), t: Buffer.from(temporalToken).toString('base64'), ...(now === undefined ? {} : { n: now }) };
  return Buffer.from(JSON.stringify(body)).toString('base64url');
}

/**
 * The moment a listing's first page was taken at, from one of our tokens: `scheduled` and `running`
 * depend on the time, so every page of one listing is read as of its first. Undefined when the token
 * does not say (decodePageToken then refuses it, or it needs no moment).
 */
export function pageTokenTime(token: string): number | undefined {
  try {
    const body = JSON.parse(Buffer.from(token, 'base64url').toString('utf8')) as Partial<PageTokenBody>;
    return typeof body.n === 'number' && Number.isSafeInteger(body.n) ? body.n : undefined;
  } catch {
    return undefined;
  }
}

/** Temporal's token inside one of ours; 400 for a token we did not issue for this very query. */
export function decodePageToken(query: string, token: string): Uint8Array {
  let body: Partial<PageTokenBody> | undefined;
  try {
    body = JSON.parse(Buffer.from(token, 'base64url').toString('utf8')) as Partial<PageTokenBody>;
  } catch {
    body = undefined;
  }
  if (!body || typeof body.t !== 'string' || body.q !== queryId(query) || body.t === '') {
    throw validationError('query.pageToken', 'was not issued by this service for this listing');
  }
  return Buffer.from(body.t, 'base64');
}
