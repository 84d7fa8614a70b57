/** List (from Temporal visibility) and stats of an app's callbacks. */
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { OVERDUE_GRACE_MS, type CallbackStats, type CallbackVisibility } from '../callbacks/visibility.js';
import { CoalescingCache } from '../coalescing-cache.js';
import { parseTriggerAt } from '../callbacks/registration.js';
import { CallbackPage, ListQuery, Stats, StatsQuery } from '../../shared/schemas/listing.js';
import { AppParams, errorResponses } from '../../shared/schemas/common.js';

export interface ListingRoutesOptions {
  visibility: CallbackVisibility;
  /** How long an app's stats are served again (they cost 9 visibility calls). @default 5000 */
  statsCacheMs?: number;
}

const DEFAULT_PAGE_SIZE = 50;

function instant(value: string | undefined, field: string): number | undefined {
  if (value === undefined) return undefined;
  return parseTriggerAt(/^\d+$/.test(value) ? Number(value) : value, field);
}

export const listingRoutes: FastifyPluginAsyncTypebox<ListingRoutesOptions> = async (app, { visibility, statsCacheMs = 5_000 }) => {
  app.addHook('onRequest', app.authorizeApp);
  // Per app: one computation at a time, shared by concurrent callers, served again for a few seconds.
  const stats = new CoalescingCache<CallbackStats>({ ttlMs: statsCacheMs });

  app.get(
    '/v1/apps/:app/callbacks',
    {
      schema: {
        summary: 'List callbacks',
        description:
          'From Temporal visibility, newest first: callbacks still waiting or running by creation time, then finished ones by ' +
          'finish time. Visibility is eventually consistent: a change shows within about a second.',
        tags: ['callbacks'],
        params: AppParams,
        querystring: ListQuery,
        response: { 200: CallbackPage, ...errorResponses(400, 401, 403, 429, 503) },
      },
    },
    async (request) => {
      const { status, alias, scheduleId, triggerAfter, triggerBefore, pageSize, pageToken } = request.query;
      const filters = {
        status,
        alias,
        scheduleId,
        triggerAfter: instant(triggerAfter, 'query.triggerAfter'),
        triggerBefore: instant(triggerBefore, 'query.triggerBefore'),
      };
      return visibility.list(request.params.app, filters, pageSize ?? DEFAULT_PAGE_SIZE, pageToken);
    },
  );

  app.get(
    '/v1/apps/:app/stats',
    {
      schema: {
        summary: "Counts of an app's callbacks by status",
        description:
          "Every status with zeros included, plus the oldest overdue callback and a Web UI link to the app's callbacks. " +
          'Computed at `asOf` and served again for STATS_CACHE_MS (5 s by default); concurrent requests share one computation, ' +
          'and a few requests with other parameters wait behind it (more get 429 OVERLOADED).',
        tags: ['callbacks'],
        params: AppParams,
        querystring: StatsQuery,
        response: { 200: Stats, ...errorResponses(400, 401, 403, 429, 503) },
      },
    },
    async (request) => {
      const { overdueAfterSeconds } = request.query;
      const graceMs = overdueAfterSeconds === undefined ? OVERDUE_GRACE_MS : overdueAfterSeconds * 1000;
      const appName = request.params.app;
      const { value, computedAt } = await stats.get(appName, String(graceMs), () => visibility.stats(appName, graceMs));
      return { ...value, asOf: new Date(computedAt).toISOString() };
    },
  );
};
