/** Recurring callbacks: `/v1/apps/{app}/schedules[/{scheduleId}[/pause|resume|trigger]]`. */
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { methodNotAllowed } from '../plugins/errors.js';
import type { ScheduleService } from '../schedules/service.js';
import { AppParams, errorEnvelope, errorResponses } from '../../shared/schemas/common.js';
import {
  NoBody,
  NoteBody,
  ScheduleBody,
  ScheduleHeaders,
  ScheduleListQuery,
  SchedulePage,
  ScheduleParams,
  SchedulePatchBody,
  ScheduleView,
} from '../../shared/schemas/schedules.js';

export interface ScheduleRoutesOptions {
  service: ScheduleService;
}

const TAGS = ['schedules'];
const COMMON_ERRORS = [400, 401, 403, 415, 429, 503] as const;
const DEFAULT_PAGE_SIZE = 50;
const notFound = errorEnvelope('No schedule of this app has this id (SCHEDULE_NOT_FOUND).', {
  code: 'SCHEDULE_NOT_FOUND',
  message: 'app "orders" has no schedule "daily-report"',
});
const conflict = errorEnvelope(
  'SCHEDULE_EXISTS (this scheduleId, a different body; details: [{scheduleId}]) or SCHEDULE_LIMIT_REACHED (MAX_SCHEDULES_PER_APP; details: [{limit}]).',
  { code: 'SCHEDULE_EXISTS', message: 'app "orders" already has a schedule "daily-report", created with a different body', details: [{ scheduleId: 'daily-report' }] },
);

export const scheduleRoutes: FastifyPluginAsyncTypebox<ScheduleRoutesOptions> = async (app, { service }) => {
  app.addHook('onRequest', app.authorizeApp);

  app.post(
    '/v1/apps/:app/schedules',
    {
      schema: {
        summary: 'Create a schedule (a recurring callback)',
        description:
          'Runs the handler registered under `alias` at every time of `every` or `cron`; each fire is a callback of its own ' +
          '(uid `<scheduleId>-<yyyymmddThhmmssZ>`). The same `scheduleId` and body again answers 200 (header Idempotent-Replayed: true), ' +
          'a different body 409 SCHEDULE_EXISTS; 409 SCHEDULE_LIMIT_REACHED past MAX_SCHEDULES_PER_APP.',
        tags: TAGS,
        params: AppParams,
        headers: ScheduleHeaders,
        body: ScheduleBody,
        response: {
          201: { ...ScheduleView, description: 'Created.' },
          200: { ...ScheduleView, description: 'Idempotent replay: the schedule this scheduleId created.' },
          ...errorResponses(...COMMON_ERRORS, 413),
          409: conflict,
        },
      },
    },
    async (request, reply) => {
      const { replayed, schedule } = await service.create(request.params.app, request.body, request.headers['idempotency-key']);
      request.log.info({ app: schedule.app, scheduleId: schedule.scheduleId, replayed }, replayed ? 'schedule replayed' : 'schedule created');
      reply.header('location', schedule.links.self);
      if (replayed) reply.header('idempotent-replayed', 'true');
      return reply.code(replayed ? 200 : 201).send(schedule);
    },
  );

  app.get(
    '/v1/apps/:app/schedules',
    {
      schema: {
        summary: 'List schedules',
        description: "The app's schedules from Temporal visibility (a change shows within about a second), paged.",
        tags: TAGS,
        params: AppParams,
        querystring: ScheduleListQuery,
        response: { 200: SchedulePage, ...errorResponses(400, 401, 403, 429, 503) },
      },
    },
    async (request) => service.list(request.params.app, request.query.pageSize ?? DEFAULT_PAGE_SIZE, request.query.pageToken),
  );

  app.get(
    '/v1/apps/:app/schedules/:scheduleId',
    {
      schema: {
        summary: 'Read a schedule',
        description: 'Its definition, state, fires so far, remaining and missed, the next five fire times and the recent fires with their statuses.',
        tags: TAGS,
        params: ScheduleParams,
        response: { 200: ScheduleView, ...errorResponses(400, 401, 403, 429, 503), 404: notFound },
      },
    },
    async (request) => service.get(request.params.app, request.params.scheduleId),
  );

  app.patch(
    '/v1/apps/:app/schedules/:scheduleId',
    {
      schema: {
        summary: 'Change a schedule',
        description: 'Replaces the fields sent (timing, args, retry, policies); fires already started keep what they started with.',
        tags: TAGS,
        params: ScheduleParams,
        body: SchedulePatchBody,
        response: { 200: ScheduleView, ...errorResponses(...COMMON_ERRORS, 413), 404: notFound },
      },
    },
    async (request) => {
      const schedule = await service.update(request.params.app, request.params.scheduleId, request.body);
      request.log.info({ scheduleId: schedule.scheduleId }, 'schedule updated');
      return schedule;
    },
  );

  app.delete(
    '/v1/apps/:app/schedules/:scheduleId',
    {
      schema: {
        summary: 'Delete a schedule',
        description: 'No more fires; a fire already started runs to its end (cancel it as a callback). Answers the last state.',
        tags: TAGS,
        params: ScheduleParams,
        response: { 200: ScheduleView, ...errorResponses(400, 401, 403, 429, 503), 404: notFound },
      },
    },
    async (request) => {
      const schedule = await service.delete(request.params.app, request.params.scheduleId);
      request.log.info({ scheduleId: schedule.scheduleId }, 'schedule deleted');
      return schedule;
    },
  );

  const actions = [
    { name: 'pause', summary: 'Pause a schedule', description: 'No fire until resumed; fire times passed while paused are not caught up. Optional body {"note"}.' },
    { name: 'resume', summary: 'Resume a schedule', description: 'Fires again from the next fire time. Optional body {"note"}.' },
    { name: 'trigger', summary: 'Fire a schedule now', description: 'One fire now, whatever is in progress; it does not count against limit. Send no body (or {}).' },
  ] as const;
  for (const action of actions) {
    app.post(
      `/v1/apps/:app/schedules/:scheduleId/${action.name}`,
      {
        config: { optionalBody: true },
        schema: {
          summary: action.summary,
          description: action.description,
          tags: TAGS,
          params: ScheduleParams,
          body: action.name === 'trigger' ? NoBody : NoteBody,
          response: { 200: ScheduleView, ...errorResponses(...COMMON_ERRORS), 404: notFound },
        },
      },
      async (request) => {
        const { app: appName, scheduleId } = request.params;
        const note = (request.body as NoteBody | undefined)?.note;
        const schedule =
          action.name === 'pause'
            ? await service.pause(appName, scheduleId, note)
            : action.name === 'resume'
              ? await service.resume(appName, scheduleId, note)
              : await service.trigger(appName, scheduleId);
        request.log.info({ scheduleId, state: schedule.state }, `schedule ${action.name}`);
        return schedule;
      },
    );
    methodNotAllowed(app, `/v1/apps/:app/schedules/:scheduleId/${action.name}`, ['POST']);
  }

  methodNotAllowed(app, '/v1/apps/:app/schedules', ['GET', 'POST']);
  methodNotAllowed(app, '/v1/apps/:app/schedules/:scheduleId', ['GET', 'PATCH', 'DELETE']);
};
