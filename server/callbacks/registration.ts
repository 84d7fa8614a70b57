/**
 * Turns a validated request body into a registration: the checks JSON schema
 * cannot express (exactly one trigger, real dates, the horizon, args depth and
 * size, header/body key agreement), the resolved trigger time and retry
 * strategy, the body fingerprint, and the uid.
 */
import { createHash, randomUUID } from 'node:crypto';
import ajvFormats from 'ajv-formats';
import { stringify } from 'safe-stable-stringify';
import {
  DEFAULT_ATTEMPT_TIMEOUT_SECONDS,
  DEFAULT_RETRY,
  WORKFLOW_VERSION,
  type DelayCallbackInput,
  type RetryStrategy,
} from '../../workflows/contract.js';
import type { DispatchSettings } from '../config.js';
import { ServiceError, validationError } from '../errors.js';
import type { RegisterBody, RescheduleBody } from '../../shared/schemas/callbacks.js';
import { jsonDepth } from '../../shared/json-depth.js';
import { buildWebhookTarget, type WebhookRegistrationPolicy } from './webhook-target.js';

export interface RegistrationLimits {
  maxArgsBytes: number;
  maxHorizonSeconds: number;
}

export interface Registration {
  input: DelayCallbackInput;
  /** Present when the request carries an idempotency key. */
  idempotency?: { key: string; fingerprint: string };
}

export const MAX_ARGS_DEPTH = 32;

/** Pre-dispatch off, three redeliveries: what a registration carries when no settings are given (tests). */
export const DEFAULT_DISPATCH: DispatchSettings = { leadMs: 0, workerLossRedeliveries: 3 };

export function buildRegistration(
  app: string,
  body: RegisterBody,
  headerKey: string | undefined,
  limits: RegistrationLimits,
  now: number,
  webhooks?: WebhookRegistrationPolicy,
  dispatch: DispatchSettings = DEFAULT_DISPATCH,
): Registration {
  if (body.idempotencyKey !== undefined && headerKey !== undefined && body.idempotencyKey !== headerKey) {
    throw validationError('body.idempotencyKey', 'differs from the Idempotency-Key header; send one or make them equal');
  }
  const key = body.idempotencyKey ?? headerKey;
  const triggerAtMs = resolveTriggerTime(body, limits, now);
  const args = body.args === undefined ? null : body.args;
  checkArgs(args, limits.maxArgsBytes);
  const webhook = body.webhook === undefined ? undefined : buildWebhookTarget(app, body.webhook, webhooks);

  const fingerprint = key === undefined ? undefined : fingerprintOf(body);
  const uid = key === undefined || fingerprint === undefined ? randomUUID() : deterministicUid(app, key, fingerprint);
  return {
    input: {
      app,
      uid,
      alias: body.alias,
      args,
      triggerAt: new Date(triggerAtMs).toISOString(),
      createdAt: new Date(now).toISOString(),
      retry: resolveRetry(body.retry, limits.maxHorizonSeconds),
      attemptTimeoutSeconds: body.attemptTimeoutSeconds ?? DEFAULT_ATTEMPT_TIMEOUT_SECONDS,
      ...(webhook === undefined ? {} : { webhook }),
      version: WORKFLOW_VERSION,
      // A webhook is sent by the service worker at the due time: its workflow starts then, not ahead.
      dispatchLeadMs: webhook === undefined ? dispatch.leadMs : 0,
      workerLossRedeliveries: dispatch.workerLossRedeliveries,
    },
    idempotency: key === undefined || fingerprint === undefined ? undefined : { key, fingerprint },
  };
}

/** Exactly one of delaySeconds / triggerAt, within the horizon; returns epoch ms. */
export function resolveTriggerTime(body: RescheduleBody, limits: Pick<RegistrationLimits, 'maxHorizonSeconds'>, now: number): number {
  const hasDelay = body.delaySeconds !== undefined;
  const hasTrigger = body.triggerAt !== undefined;
  if (hasDelay === hasTrigger) {
    throw new ServiceError(
      'VALIDATION_FAILED',
      hasDelay ? 'send delaySeconds or triggerAt, not both' : 'one of delaySeconds or triggerAt is required',
      [
        { field: 'body.delaySeconds', message: hasDelay ? 'conflicts with triggerAt' : 'or triggerAt is required' },
        { field: 'body.triggerAt', message: hasDelay ? 'conflicts with delaySeconds' : 'or delaySeconds is required' },
      ],
    );
  }
  const field = hasDelay ? 'body.delaySeconds' : 'body.triggerAt';
  const at = hasDelay ? now + Math.ceil((body.delaySeconds as number) * 1000) : parseTriggerAt(body.triggerAt as string | number, field);
  if (at - now > limits.maxHorizonSeconds * 1000) {
    throw validationError(field, `is beyond the horizon of ${limits.maxHorizonSeconds} seconds from now`);
  }
  return at;
}

// ajv-formats' date-time, as the schemas' timestamps use: its fast form checks the shape (offset required,
// `T`), its full form a real calendar date and time. (CommonJS with a default export: see plugins/validation.ts.)
const dateTimeFormat = (ajvFormats as unknown as { get(name: 'date-time', mode: 'fast' | 'full'): { validate: RegExp | ((value: string) => boolean) } }).get;
const RFC3339_SHAPE = dateTimeFormat('date-time', 'fast').validate as RegExp;
const isRfc3339DateTime = dateTimeFormat('date-time', 'full').validate as (value: string) => boolean;

/** RFC 3339 with an offset (a real calendar date), or epoch milliseconds; errors name `field`. */
export function parseTriggerAt(value: string | number, field = 'body.triggerAt'): number {
  if (typeof value === 'number') {
    if (!Number.isSafeInteger(value) || value < 0) throw validationError(field, 'must be a non-negative integer of epoch milliseconds');
    return value;
  }
  if (!RFC3339_SHAPE.test(value)) {
    throw validationError(field, 'must be an RFC 3339 date-time with an offset, e.g. 2026-12-24T18:00:00Z or 2026-12-24T19:00:00+01:00');
  }
  const ms = isRfc3339DateTime(value) ? Date.parse(value.toUpperCase()) : Number.NaN;
  if (!Number.isFinite(ms)) throw validationError(field, `is not a valid date-time ("${value}")`);
  return ms;
}

/** The strategy with defaults filled in; no delay may exceed `maxSeconds` (the horizon). */
export function resolveRetry(retry: RegisterBody['retry'], maxSeconds = Number.POSITIVE_INFINITY): RetryStrategy {
  if (retry === null) return { ...DEFAULT_RETRY, maxAttempts: 1 };
  if (retry === undefined) return { ...DEFAULT_RETRY };
  const intervalSeconds = retry.intervalSeconds ?? DEFAULT_RETRY.intervalSeconds;
  const resolved: RetryStrategy = {
    maxAttempts: retry.maxAttempts ?? DEFAULT_RETRY.maxAttempts,
    backoff: retry.backoff ?? DEFAULT_RETRY.backoff,
    intervalSeconds,
    // An explicit interval above the default cap raises the default cap with it.
    maxIntervalSeconds: retry.maxIntervalSeconds ?? Math.max(DEFAULT_RETRY.maxIntervalSeconds, intervalSeconds),
  };
  for (const field of ['intervalSeconds', 'maxIntervalSeconds'] as const) {
    if (retry[field] !== undefined && retry[field] > maxSeconds) {
      throw validationError(`body.retry.${field}`, `is beyond the horizon of ${maxSeconds} seconds`);
    }
  }
  if (resolved.maxIntervalSeconds < resolved.intervalSeconds) {
    throw validationError('body.retry.maxIntervalSeconds', `must be >= retry.intervalSeconds (${resolved.intervalSeconds})`);
  }
  return resolved;
}

/** args within the nesting depth and the size limit (schedules check theirs the same way). */
export function checkArgs(args: unknown, maxBytes: number): void {
  if (jsonDepth(args, MAX_ARGS_DEPTH) > MAX_ARGS_DEPTH) throw validationError('body.args', `is nested deeper than ${MAX_ARGS_DEPTH} levels`);
  const bytes = Buffer.byteLength(JSON.stringify(args));
  if (bytes > maxBytes) {
    throw new ServiceError('PAYLOAD_TOO_LARGE', `args is ${bytes} bytes serialized, more than the ${maxBytes}-byte limit`, [
      { field: 'body.args', message: `at most ${maxBytes} bytes`, bytes },
    ]);
  }
}


/**
 * The body as sent, minus the key itself: key order and whitespace do not matter. A webhook's
 * header values are part of it (only this one-way hash of the whole body is kept, in Redis).
 */
export function fingerprintOf(body: RegisterBody): string {
  const { idempotencyKey: _key, ...rest } = body;
  return createHash('sha256').update(stringify(rest) ?? '').digest('hex');
}

/** Same app, key and body give the same uid, so a retried request finds the workflow it started. */
export function deterministicUid(app: string, key: string, fingerprint: string): string {
  const hex = createHash('sha256').update(`${app}\u0000${key}\u0000${fingerprint}`).digest('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20, 32)}`;
}
