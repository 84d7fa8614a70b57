/**
 * A schedule as its client defined it: the callback each fire is (alias, args, retry) and the
 * settings (when it fires, its bounds and policies), validated with the defaults filled in.
 * Creating checks a whole body; PATCH applies the fields it sends to the stored definition and
 * checks the result the same way. Pure: the service stores and reads it.
 */
import { createHash, randomUUID } from 'node:crypto';
import { stringify } from 'safe-stable-stringify';
import { DEFAULT_ATTEMPT_TIMEOUT_SECONDS, type RetryStrategy } from '../../workflows/contract.js';
import { checkArgs, parseTriggerAt, resolveRetry } from '../callbacks/registration.js';
import { ServiceError, validationError } from '../errors.js';
import type { ScheduleBody, SchedulePatchBody } from '../../shared/schemas/schedules.js';
import type { WebhookBody } from '../../shared/schemas/callbacks.js';
import type { WebhookTarget } from '../../workflows/webhook-contract.js';
import { resolvePolicies, type Policies } from './policies.js';
import { parseCron, parseEvery, parseTimezone, type Timing } from './timing.js';

export interface ScheduleLimits {
  maxArgsBytes: number;
  maxHorizonSeconds: number;
}

/**
 * Checks a body's `webhook` and seals its header values, as for a registration
 * (server/callbacks/webhook-target.ts); throws the same 400s.
 */
export type WebhookTargetOf = (body: WebhookBody) => WebhookTarget;

/** What each fire runs. */
export interface CallbackTemplate {
  alias: string;
  args: unknown;
  retry: RetryStrategy;
  attemptTimeoutSeconds: number;
  /** Each fire is delivered to this URL by the service (as a registration's `webhook`); absent: the app's SDK worker. */
  webhook?: WebhookTarget;
}

/** When it fires and what happens to missed or overlapping fires. */
export type ScheduleSettings = Timing & Policies & { limit: number | null };

export interface ScheduleDefinition {
  template: CallbackTemplate;
  settings: ScheduleSettings;
}

export const DEFAULT_TIMEZONE = 'UTC';

/** A new schedule's definition from its body; 400 for anything the schema could not check. */
export function definitionOf(body: ScheduleBody, limits: ScheduleLimits, now: number, webhookOf?: WebhookTargetOf): ScheduleDefinition {
  if ((body.every === undefined) === (body.cron === undefined)) {
    const both = body.every !== undefined;
    throw new ServiceError('VALIDATION_FAILED', both ? 'send every or cron, not both' : 'one of every or cron is required', [
      { field: 'body.every', message: both ? 'conflicts with cron' : 'or cron is required' },
      { field: 'body.cron', message: both ? 'conflicts with every' : 'or every is required' },
    ]);
  }
  return {
    template: templateOf(body, undefined, limits, webhookOf),
    settings: settingsOf(body, undefined, limits, now),
  };
}

/** The definition after a PATCH: the fields sent replace the stored ones, and the whole is checked again. */
export function patchedDefinition(
  previous: ScheduleDefinition,
  patch: SchedulePatchBody,
  limits: ScheduleLimits,
  now: number,
  webhookOf?: WebhookTargetOf,
): ScheduleDefinition {
  if (patch.every !== undefined && patch.cron !== undefined) {
    throw new ServiceError('VALIDATION_FAILED', 'send every or cron, not both', [
      { field: 'body.every', message: 'conflicts with cron' },
      { field: 'body.cron', message: 'conflicts with every' },
    ]);
  }
  return { template: templateOf(patch, previous.template, limits, webhookOf), settings: settingsOf(patch, previous.settings, limits, now) };
}

type TemplateFields = Pick<ScheduleBody, 'alias' | 'args' | 'retry' | 'attemptTimeoutSeconds'> & { webhook?: WebhookBody | null };

function templateOf(
  fields: Partial<TemplateFields>,
  previous: CallbackTemplate | undefined,
  limits: ScheduleLimits,
  webhookOf: WebhookTargetOf | undefined,
): CallbackTemplate {
  const args = fields.args !== undefined ? fields.args : (previous?.args ?? null);
  checkArgs(args, limits.maxArgsBytes);
  // PATCH: a new webhook replaces the old (checked and sealed again), null removes it, absent keeps it.
  const webhook = webhookFieldOf(fields.webhook, previous?.webhook, webhookOf);
  return {
    alias: fields.alias ?? previous?.alias ?? '',
    args,
    retry: fields.retry !== undefined || !previous ? resolveRetry(fields.retry, limits.maxHorizonSeconds) : previous.retry,
    attemptTimeoutSeconds: fields.attemptTimeoutSeconds ?? previous?.attemptTimeoutSeconds ?? DEFAULT_ATTEMPT_TIMEOUT_SECONDS,
    ...(webhook === undefined ? {} : { webhook }),
  };
}

function webhookFieldOf(
  field: WebhookBody | null | undefined,
  previous: WebhookTarget | undefined,
  webhookOf: WebhookTargetOf | undefined,
): WebhookTarget | undefined {
  if (field === undefined) return previous;
  if (field === null) return undefined;
  if (!webhookOf) throw new ServiceError('WEBHOOK_SECRET_MISSING', 'this service has no webhook signing secrets configured', [{ field: 'body.webhook' }]);
  return webhookOf(field);
}

type SettingsFields = Omit<SchedulePatchBody, keyof TemplateFields>;

function settingsOf(fields: SettingsFields, previous: ScheduleSettings | undefined, limits: ScheduleLimits, now: number): ScheduleSettings {
  // every or cron replaces the other; the zone belongs to the cron.
  const every = fields.every ?? (fields.cron !== undefined ? null : (previous?.every ?? null));
  const cron = fields.cron ?? (fields.every !== undefined ? null : (previous?.cron ?? null));
  if (every !== null) parseEvery(every, limits.maxHorizonSeconds);
  if (cron !== null) parseCron(cron);
  let timezone = fields.timezone === undefined ? (previous?.timezone ?? DEFAULT_TIMEZONE) : parseTimezone(fields.timezone);
  if (every !== null) {
    if (fields.timezone !== undefined && timezone !== DEFAULT_TIMEZONE) {
      throw validationError('body.timezone', 'applies to cron: every counts absolute time (use startAt to set its phase)');
    }
    timezone = DEFAULT_TIMEZONE;
  }

  const startAt = instantOf(fields.startAt, previous?.startAt ?? null, 'body.startAt');
  const endAt = instantOf(fields.endAt, previous?.endAt ?? null, 'body.endAt');
  if (endAt !== null) {
    if (fields.endAt !== undefined && Date.parse(endAt) <= now) throw validationError('body.endAt', 'is in the past: the schedule would never fire');
    if (startAt !== null && Date.parse(endAt) < Date.parse(startAt)) throw validationError('body.endAt', 'is before startAt');
  }
  const limit = fields.limit === undefined ? (previous?.limit ?? null) : fields.limit;
  return { every, cron, timezone, startAt, endAt, limit, ...resolvePolicies(fields, previous) };
}

function instantOf(value: string | number | null | undefined, previous: string | null, field: string): string | null {
  if (value === undefined) return previous;
  if (value === null) return null;
  return new Date(parseTriggerAt(value, field)).toISOString();
}

/** The body as sent (key order and whitespace do not matter), to tell a retried create from a different one. */
export function fingerprintOf(body: ScheduleBody): string {
  return createHash('sha256').update(stringify(body) ?? '').digest('hex');
}

/**
 * The schedule id of a create: the client's; without one, derived from the Idempotency-Key
 * header (a retried request finds its schedule), else a fresh UUID.
 */
export function scheduleIdOf(app: string, body: ScheduleBody, idempotencyKey: string | undefined): string {
  if (body.scheduleId !== undefined) return body.scheduleId;
  if (idempotencyKey === undefined) return randomUUID();
  return `k-${createHash('sha256').update(`${app}\u0000${idempotencyKey}`).digest('hex').slice(0, 40)}`;
}
