/**
 * The schedule use cases, independent of HTTP: create (idempotent by schedule id), read, list,
 * update, pause, resume, trigger, delete. A schedule is a Temporal Schedule; each fire is an
 * ordinary callback (temporal-schedule.ts). Nothing of ours keeps state: the definition lives
 * in the schedule, the fires' statuses in visibility.
 */
import {
  ScheduleAlreadyRunning,
  ScheduleNotFoundError,
  ScheduleOverlapPolicy,
  type Client,
  type ScheduleDescription,
  type ScheduleHandle,
} from '@temporalio/client';
import { WORKFLOW_TYPE, searchAttributes } from '../../workflows/contract.js';
import { temporalScheduleId } from '../../workflows/schedule-fire.js';
import { GRPC_INVALID_ARGUMENT, hasGrpcCode } from '../callbacks/dependency-calls.js';
import type { LinkSettings } from '../callbacks/links.js';
import type { CallbackVisibility } from '../callbacks/visibility.js';
import { decodePageToken, encodePageToken, literal } from '../callbacks/visibility-query.js';
import { ServiceError, scheduleNotFound, validationError } from '../errors.js';
import type { ScheduleBody, SchedulePage, SchedulePatchBody, ScheduleView } from '../../shared/schemas/schedules.js';
import { buildWebhookTarget, type WebhookRegistrationPolicy } from '../callbacks/webhook-target.js';
import type { WebhookBody } from '../../shared/schemas/callbacks.js';
import type { WebhookTarget } from '../../workflows/webhook-contract.js';
import { definitionOf, fingerprintOf, patchedDefinition, scheduleIdOf, type ScheduleLimits, type WebhookTargetOf } from './definition.js';
import { createOptionsOf, definitionOfDescription, memoOfDescription, updateOptionsOf, type FireSettings } from './temporal-schedule.js';
import { scheduleSummaryOf, scheduleViewOf } from './view.js';

export interface ScheduleServiceOptions {
  client: Client;
  links: LinkSettings;
  limits: ScheduleLimits & { maxSchedulesPerApp: number };
  /** Reads the statuses of recent fires. */
  visibility: CallbackVisibility;
  /** Bounds a Temporal call (503 past it), as for callbacks. */
  call: <T>(fn: () => Promise<T>) => Promise<T>;
  /** Signing secrets and target policy for schedules with a `webhook` (as for registrations); without it they answer WEBHOOK_SECRET_MISSING. */
  webhooks?: WebhookRegistrationPolicy;
  /** How each fire's workflow runs its attempts. @default 3 worker-loss redeliveries */
  fire?: FireSettings;
  /** Clock, for tests. @default Date.now */
  now?: () => number;
}

export interface CreateResult {
  replayed: boolean;
  schedule: ScheduleView;
}

export class ScheduleService {
  private readonly now: () => number;

  constructor(private readonly options: ScheduleServiceOptions) {
    this.now = options.now ?? Date.now;
  }

  async create(app: string, body: ScheduleBody, idempotencyKey: string | undefined): Promise<CreateResult> {
    const scheduleId = scheduleIdOf(app, body, idempotencyKey);
    const definition = definitionOf(body, this.options.limits, this.now(), this.webhookOf(app));
    const fingerprint = fingerprintOf(body);
    const handle = this.handle(app, scheduleId);
    if (await this.atLimit(app)) {
      // A retried create of a schedule that exists is still answered as one.
      const existing = await this.describeIfExists(handle);
      if (!existing) {
        const max = this.options.limits.maxSchedulesPerApp;
        throw new ServiceError('SCHEDULE_LIMIT_REACHED', `app "${app}" already has ${max} schedule(s), its limit; delete one first`, [{ limit: max }]);
      }
      return this.replay(app, scheduleId, existing, fingerprint);
    }
    try {
      await this.options.call(() =>
        this.options.client.schedule.create(createOptionsOf(app, scheduleId, definition, fingerprint, this.options.limits.maxHorizonSeconds, this.fire)),
      );
    } catch (err) {
      if (err instanceof ScheduleAlreadyRunning) return this.replay(app, scheduleId, await this.describe(app, scheduleId), fingerprint);
      throw refusedSpec(err);
    }
    return { replayed: false, schedule: await this.get(app, scheduleId) };
  }

  async get(app: string, scheduleId: string): Promise<ScheduleView> {
    return this.viewOf(app, scheduleId, await this.describe(app, scheduleId));
  }

  async list(app: string, pageSize: number, pageToken: string | undefined): Promise<SchedulePage> {
    const query = appQuery(app);
    const nextPageToken = pageToken === undefined ? undefined : decodePageToken(query, pageToken);
    const response = await this.options.call(() =>
      this.options.client.workflowService.listSchedules({ namespace: this.namespace, maximumPageSize: pageSize, nextPageToken, query }),
    ).catch((err: unknown) => {
      if (pageToken !== undefined && hasGrpcCode(err, GRPC_INVALID_ARGUMENT)) throw validationError('query.pageToken', 'was not issued by this service for this listing');
      throw err;
    });
    return {
      items: (response.schedules ?? []).map((entry) => scheduleSummaryOf(app, entry, this.options.links)),
      nextPageToken: response.nextPageToken?.length ? encodePageToken(query, response.nextPageToken) : null,
    };
  }

  /** Applies a PATCH; fires already started keep what they started with. */
  async update(app: string, scheduleId: string, patch: SchedulePatchBody): Promise<ScheduleView> {
    const { limits } = this.options;
    await this.existing(app, scheduleId, (handle) =>
      handle.update((previous) => {
        const before = this.definitionOf(app, scheduleId, previous);
        const definition = patchedDefinition(before, patch, limits, this.now(), this.webhookOf(app));
        const remaining = remainingAfter(before.settings.limit, definition.settings.limit, previous);
        return updateOptionsOf(app, scheduleId, definition, previous, remaining, limits.maxHorizonSeconds, this.fire);
      }),
    );
    return this.get(app, scheduleId);
  }

  async pause(app: string, scheduleId: string, note: string | undefined): Promise<ScheduleView> {
    await this.existing(app, scheduleId, (handle) => handle.pause(note ?? 'paused through the delay-callback API'));
    return this.get(app, scheduleId);
  }

  async resume(app: string, scheduleId: string, note: string | undefined): Promise<ScheduleView> {
    await this.existing(app, scheduleId, (handle) => handle.unpause(note ?? 'resumed through the delay-callback API'));
    return this.get(app, scheduleId);
  }

  /** Fires now, whatever is in progress (overlap allowAll for this one fire); does not count against limit. */
  async trigger(app: string, scheduleId: string): Promise<ScheduleView> {
    await this.existing(app, scheduleId, (handle) => handle.trigger(ScheduleOverlapPolicy.ALLOW_ALL));
    return this.get(app, scheduleId);
  }

  /** No more fires; fires already started run to their end. Answers the schedule's last state. */
  async delete(app: string, scheduleId: string): Promise<ScheduleView> {
    const last = await this.get(app, scheduleId);
    await this.existing(app, scheduleId, (handle) => handle.delete());
    return last;
  }

  /** The same checks and sealing as a registration's `webhook`. */
  private webhookOf(app: string): WebhookTargetOf {
    return (body: WebhookBody): WebhookTarget => buildWebhookTarget(app, body, this.options.webhooks);
  }

  private async replay(app: string, scheduleId: string, existing: ScheduleDescription, fingerprint: string): Promise<CreateResult> {
    this.definitionOf(app, scheduleId, existing);
    if (memoOfDescription(existing).fingerprint !== fingerprint) {
      throw new ServiceError('SCHEDULE_EXISTS', `app "${app}" already has a schedule "${scheduleId}", created with a different body`, [{ scheduleId }]);
    }
    return { replayed: true, schedule: await this.viewOf(app, scheduleId, existing) };
  }

  private async viewOf(app: string, scheduleId: string, description: ScheduleDescription): Promise<ScheduleView> {
    const definition = this.definitionOf(app, scheduleId, description);
    const workflowIds = description.info.recentActions.map((action) => action.action.workflow.workflowId);
    const statuses = await this.options.visibility.statuses(app, workflowIds);
    return scheduleViewOf(app, scheduleId, description, definition, statuses, this.options.links);
  }

  /** Ours only: a schedule someone made by hand under our id space is not one of the app's. */
  private definitionOf(app: string, scheduleId: string, description: ScheduleDescription) {
    const memo = description.action.memo as { schedule?: unknown } | undefined;
    if (description.action.workflowType !== WORKFLOW_TYPE || memo?.schedule === undefined) throw scheduleNotFound(app, scheduleId);
    return definitionOfDescription(description);
  }

  private async describe(app: string, scheduleId: string): Promise<ScheduleDescription> {
    return this.existing(app, scheduleId, (handle) => handle.describe());
  }

  private async describeIfExists(handle: ScheduleHandle): Promise<ScheduleDescription | undefined> {
    return this.options.call(() => handle.describe()).catch((err: unknown) => {
      if (err instanceof ScheduleNotFoundError) return undefined;
      throw err;
    });
  }

  /** Runs `action` on the schedule's handle; an unknown schedule is 404 SCHEDULE_NOT_FOUND. */
  private async existing<T>(app: string, scheduleId: string, action: (handle: ScheduleHandle) => Promise<T>): Promise<T> {
    try {
      return await this.options.call(() => action(this.handle(app, scheduleId)));
    } catch (err) {
      if (err instanceof ScheduleNotFoundError) throw scheduleNotFound(app, scheduleId);
      throw refusedSpec(err);
    }
  }

  /** True when the app has its allowed number of schedules (visibility: a create racing another may pass). */
  private async atLimit(app: string): Promise<boolean> {
    const max = this.options.limits.maxSchedulesPerApp;
    let count = 0;
    let nextPageToken: Uint8Array | undefined;
    do {
      const response = await this.options.call(() =>
        this.options.client.workflowService.listSchedules({
          namespace: this.namespace,
          maximumPageSize: Math.min(1000, max - count + 1),
          nextPageToken,
          query: appQuery(app),
        }),
      );
      count += response.schedules?.length ?? 0;
      nextPageToken = response.nextPageToken?.length ? response.nextPageToken : undefined;
    } while (nextPageToken && count < max);
    return count >= max;
  }

  private handle(app: string, scheduleId: string): ScheduleHandle {
    return this.options.client.schedule.getHandle(temporalScheduleId(app, scheduleId));
  }

  private get namespace(): string {
    return this.options.links.namespace;
  }

  private get fire(): FireSettings {
    return this.options.fire ?? { workerLossRedeliveries: 3 };
  }
}

/** The app's schedules in visibility (the literal escapes itself, whatever the route checked). */
function appQuery(app: string): string {
  return `${searchAttributes.app.name} = ${literal(app, 'path.app')}`;
}

/**
 * Remaining fires under a new limit. Fires counted so far: those the old limit used, or without
 * one every fire taken (Temporal does not tell scheduled fires from triggers).
 */
function remainingAfter(previousLimit: number | null, limit: number | null, previous: ScheduleDescription): number | undefined {
  if (limit === null) return undefined;
  const used = previousLimit === null ? previous.info.numActionsTaken : previousLimit - (previous.state.remainingActions ?? previousLimit);
  return Math.max(0, limit - used);
}

/** Temporal's own check of a spec (a zone its Go runtime lacks, say) refusing what we let through: still a 400. */
function refusedSpec(err: unknown): unknown {
  if (!hasGrpcCode(err, GRPC_INVALID_ARGUMENT)) return err;
  const message = err instanceof Error ? err.message : String(err);
  if (!/cron|calendar|time ?zone|location|interval|spec/i.test(message)) return err;
  return validationError('body', `was refused by Temporal: ${message}`);
}
