/**
 * Listing and statistics of an app's callbacks, from Temporal visibility (no
 * store of ours): newest first, Temporal's page tokens wrapped in ours, counts
 * by status, and the oldest overdue callback (a stuck-queue detector).
 */
import type { Client } from '@temporalio/client';
import { defaultPayloadConverter } from '@temporalio/common';
import { decodePayload, workflowContext } from '../temporal/payloads.js';
import type { temporal } from '@temporalio/proto';
import {
  CALLBACK_STATUSES,
  callbackUidOf,
  callbackWorkflowId,
  searchAttributes,
  type CallbackStatus,
} from '../../workflows/contract.js';
import { scheduledStartTimeKey } from '../../workflows/schedule-fire.js';
import { validationError } from '../errors.js';
import { GRPC_INVALID_ARGUMENT, hasGrpcCode } from './dependency-calls.js';
import { callbackLinks, workflowListUiUrl, type LinkSettings } from './links.js';
import { appBacklog, type AppBacklog } from './app-backlog.js';
import { appUiQuery, decodePageToken, encodePageToken, listQuery, literal, overdueQuery, pageTokenTime, statusCondition, type ListFilters } from './visibility-query.js';
import { visibleStatus, waitingForWorker } from './presentation.js';
import type { CallbackMemo } from './workflow-data.js';

type RawExecution = temporal.api.workflow.v1.IWorkflowExecutionInfo;

export interface CallbackListItem {
  uid: string;
  app: string;
  alias: string;
  status: CallbackStatus;
  triggerAt: string;
  createdAt: string;
  links: { self: string; webUi: string };
}

export interface CallbackPage {
  items: CallbackListItem[];
  nextPageToken: string | null;
}

export interface OverdueCallback {
  uid: string;
  status: CallbackStatus;
  triggerAt: string;
  overdueMs: number;
  /** Its attempt waits in the app's task queue: no worker of the app has picked it up. */
  waitingForWorker: boolean;
  links: { self: string; webUi: string };
}

export interface CallbackStats {
  app: string;
  counts: Record<CallbackStatus, number>;
  total: number;
  overdue: { count: number; oldest: OverdueCallback | null; graceSeconds: number };
  /** How far behind firing is for this app right now. */
  backlog: AppBacklog;
  links: { webUi: string };
}

/** By default, triggers this far in the past without a finished attempt count as overdue. */
export const OVERDUE_GRACE_MS = 60_000;
/** How many overdue callbacks are scanned for the oldest one. */
const OVERDUE_SCAN = 1_000;

export class CallbackVisibility {
  constructor(
    private readonly client: Client,
    private readonly links: LinkSettings,
    private readonly call: <T>(fn: () => Promise<T>) => Promise<T>,
    private readonly now: () => number = Date.now,
  ) {}

  async list(app: string, filters: ListFilters, pageSize: number, pageToken: string | undefined): Promise<CallbackPage> {
    // Statuses read by the time (`scheduled` past its trigger is `running`): every page as of the first.
    const now = (pageToken === undefined ? undefined : pageTokenTime(pageToken)) ?? this.now();
    const query = listQuery(app, filters, now);
    const nextPageToken = pageToken === undefined ? undefined : decodePageToken(query, pageToken);
    const response = await this.call(() =>
      this.client.workflowService.listWorkflowExecutions({ namespace: this.namespace, query, pageSize, nextPageToken }),
    ).catch((err: unknown) => {
      // Temporal refuses a token that decodes but is not its own.
      if (pageToken !== undefined && hasGrpcCode(err, GRPC_INVALID_ARGUMENT)) throw validationError('query.pageToken', 'was not issued by this service for this listing');
      throw err;
    });
    const seen = new Set<string>();
    const newest: RawExecution[] = [];
    for (const execution of response.executions ?? []) {
      const workflowId = execution.execution?.workflowId ?? '';
      // A redriven callback has an earlier run too: show the newest (listed first).
      if (seen.has(workflowId)) continue;
      seen.add(workflowId);
      newest.push(execution);
    }
    const items = await Promise.all(newest.map((execution) => this.toItem(app, execution, now)));
    const token = response.nextPageToken?.length ? encodePageToken(query, response.nextPageToken, now) : null;
    return { items, nextPageToken: token };
  }

  /** The status of each of `app`'s callbacks among `workflowIds` that visibility shows (it lags about a second). */
  async statuses(app: string, workflowIds: readonly string[]): Promise<Map<string, CallbackStatus>> {
    const statuses = new Map<string, CallbackStatus>();
    if (workflowIds.length === 0) return statuses;
    const now = this.now();
    const query = `${listQuery(app, {}, now)} AND WorkflowId IN (${workflowIds.map((id) => literal(id)).join(', ')})`;
    const response = await this.call(() =>
      this.client.workflowService.listWorkflowExecutions({ namespace: this.namespace, query, pageSize: workflowIds.length * 2 }),
    );
    for (const execution of response.executions ?? []) {
      const workflowId = execution.execution?.workflowId ?? '';
      if (!statuses.has(workflowId)) statuses.set(workflowId, (await this.toItem(app, execution, now)).status);
    }
    return statuses;
  }

  async stats(app: string, overdueGraceMs = OVERDUE_GRACE_MS): Promise<CallbackStats> {
    const base = listQuery(app);
    const now = this.now();
    const counted = await Promise.all(
      CALLBACK_STATUSES.map(async (status) => {
        const response = await this.call(() =>
          this.client.workflowService.countWorkflowExecutions({ namespace: this.namespace, query: `${base} AND ${statusCondition(status, now)}` }),
        );
        return [status, Number(response.count ?? 0)] as const;
      }),
    );
    const counts = Object.fromEntries(counted) as Record<CallbackStatus, number>;
    const [overdue, backlog] = await Promise.all([
      this.overdue(app, overdueGraceMs),
      appBacklog(this.client, this.namespace, app, this.call, this.now()),
    ]);
    return {
      app,
      counts,
      total: counted.reduce((sum, [, count]) => sum + count, 0),
      overdue,
      backlog,
      links: { webUi: workflowListUiUrl(this.links, appUiQuery(app)) },
    };
  }

  private async overdue(app: string, graceMs: number): Promise<CallbackStats['overdue']> {
    const now = this.now();
    const query = overdueQuery(app, now, graceMs);
    const [count, page] = await Promise.all([
      this.call(() => this.client.workflowService.countWorkflowExecutions({ namespace: this.namespace, query })),
      this.call(() => this.client.workflowService.listWorkflowExecutions({ namespace: this.namespace, query, pageSize: OVERDUE_SCAN })),
    ]);
    // Visibility cannot sort by a custom attribute here: take the earliest trigger of what we scanned
    // (every one has the attribute: the query filters on it), and read only that one in full.
    const earliest = (page.executions ?? [])
      .map((execution) => ({ execution, trigger: Date.parse(triggerOf(execution) ?? '') }))
      .sort((a, b) => a.trigger - b.trigger)[0];
    const result = { count: Number(count.count ?? 0), oldest: null as OverdueCallback | null, graceSeconds: graceMs / 1000 };
    if (!earliest) return result;
    const oldest = await this.toItem(app, earliest.execution, now);
    const description = await this.call(() => this.client.workflow.getHandle(callbackWorkflowId(app, oldest.uid)).describe());
    result.oldest = {
      uid: oldest.uid,
      status: oldest.status,
      triggerAt: oldest.triggerAt,
      overdueMs: now - Date.parse(oldest.triggerAt),
      waitingForWorker: waitingForWorker(description, this.now()),
      links: oldest.links,
    };
    return result;
  }

  private async toItem(app: string, execution: RawExecution, now: number): Promise<CallbackListItem> {
    const workflowId = execution.execution?.workflowId ?? '';
    const uid = callbackUidOf(app, workflowId);
    const read = <T>(name: string): T | undefined => attribute<T>(execution, name);
    // The memo is encoded like any payload (codecs included); search attributes never are.
    const memoPayload = (name: keyof CallbackMemo): Promise<string | undefined> =>
      decodePayload<string>(this.client, execution.memo?.fields?.[name], workflowContext(this.namespace, workflowId));
    // A schedule's fire has its CallbackTriggerAt from its first task on; Temporal's scheduled time before.
    const trigger = read<string | string[]>(searchAttributes.triggerAt.name) ?? read<string | string[]>(scheduledStartTimeKey.name);
    const memoTrigger = trigger === undefined ? await memoPayload('triggerAt') : undefined;
    const triggerAt = new Date(Array.isArray(trigger) ? trigger[0]! : (trigger ?? memoTrigger ?? 0));
    const recorded = (read<string>(searchAttributes.status.name) ?? 'scheduled') as CallbackStatus;
    return {
      uid,
      app,
      alias: read<string>(searchAttributes.alias.name) ?? (await memoPayload('alias')) ?? '',
      status: itemStatus(Number(execution.status), recorded, triggerAt.getTime(), now),
      triggerAt: triggerAt.toISOString(),
      createdAt: (await memoPayload('createdAt')) ?? new Date(Number(execution.startTime?.seconds ?? 0) * 1000).toISOString(),
      links: callbackLinks(this.links, app, uid),
    };
  }

  private get namespace(): string {
    return this.links.namespace;
  }
}

/** A search attribute of a listed execution: plain JSON payloads, never touched by codecs. */
function attribute<T>(execution: RawExecution, name: string): T | undefined {
  const payload = execution.searchAttributes?.indexedFields?.[name];
  return payload ? defaultPayloadConverter.fromPayload<T>(payload) : undefined;
}

function triggerOf(execution: RawExecution): string | undefined {
  const trigger = attribute<string | string[]>(execution, searchAttributes.triggerAt.name);
  return Array.isArray(trigger) ? trigger[0] : trigger;
}

/** A listed callback's status, as GET reports it: ended from outside, or read by the time while running. */
function itemStatus(executionStatus: number, recorded: CallbackStatus, triggerAtMs: number, now: number): CallbackStatus {
  if (executionStatus === 4) return 'cancelled'; // CANCELED through Temporal
  if (executionStatus === 5 || executionStatus === 7) return 'failed'; // TERMINATED, TIMED_OUT: lastError TERMINATED
  return executionStatus === 1 ? visibleStatus(recorded, triggerAtMs, now) : recorded; // 1: RUNNING
}
