/** Register, read, cancel and reschedule: `/v1/apps/{app}/callbacks[/{uid}]`. */
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { CallbackService } from '../callbacks/service.js';
import { callbackPath } from '../callbacks/links.js';
import { methodNotAllowed } from '../plugins/errors.js';
import {
  CallbackDetail,
  CallbackSummary,
  CancelResponse,
  RegisterBody,
  RegisterHeaders,
  RescheduleBody,
} from '../../shared/schemas/callbacks.js';
import { AppParams, CallbackParams, errorResponses } from '../../shared/schemas/common.js';

export interface CallbackRoutesOptions {
  service: CallbackService;
}

const TAGS = ['callbacks'];
const COMMON_ERRORS = [400, 401, 403, 415, 429, 503] as const;

export const callbackRoutes: FastifyPluginAsyncTypebox<CallbackRoutesOptions> = async (app, { service }) => {
  app.addHook('onRequest', app.authorizeApp);

  app.post(
    '/v1/apps/:app/callbacks',
    {
      schema: {
        summary: 'Register a callback',
        description:
          'Schedules the handler registered under `alias` by the app\'s worker to run at the trigger time. ' +
          'With an idempotency key (body field or `Idempotency-Key` header) the same request answers the same callback. ' +
          'With `webhook`, the service delivers it as a signed POST (Standard Webhooks) to that URL instead; ' +
          '400 WEBHOOK_SECRET_MISSING when the app has no signing secret, 400 WEBHOOK_TARGET_BLOCKED for a literal IP outside the allowed ranges.',
        tags: TAGS,
        params: AppParams,
        headers: RegisterHeaders,
        body: RegisterBody,
        response: {
          201: { ...CallbackSummary, description: 'Registered.' },
          200: { ...CallbackSummary, description: 'Idempotent replay: the callback this key registered (header Idempotent-Replayed: true).' },
          ...errorResponses(...COMMON_ERRORS, 409, 413),
        },
      },
    },
    async (request, reply) => {
      const { replayed, callback } = await service.register(request.params.app, request.body, request.headers['idempotency-key']);
      request.log.info({ uid: callback.uid, app: callback.app, replayed }, replayed ? 'callback replayed' : 'callback registered');
      reply.header('location', callbackPath(callback.app, callback.uid));
      if (replayed) reply.header('idempotent-replayed', 'true');
      return reply.code(replayed ? 200 : 201).send(callback);
    },
  );

  app.get(
    '/v1/apps/:app/callbacks/:uid',
    {
      schema: {
        summary: 'Read a callback',
        description: 'Its status, attempts, last error, timing and result, from Temporal (works after completion and restarts).',
        tags: TAGS,
        params: CallbackParams,
        response: { 200: CallbackDetail, ...errorResponses(400, 401, 403, 404, 429, 503) },
      },
    },
    async (request) => service.get(request.params.app, request.params.uid),
  );

  app.delete(
    '/v1/apps/:app/callbacks/:uid',
    {
      schema: {
        summary: 'Cancel a callback',
        description:
          '200 while scheduled or retrying (also when already cancelled), and while an attempt is dispatched or queued whose ' +
          'handler has not started (it stands down); 409 CALLBACK_RUNNING once the handler has started; ' +
          '409 CALLBACK_FINISHED once succeeded or failed.',
        tags: TAGS,
        params: CallbackParams,
        response: { 200: CancelResponse, ...errorResponses(400, 401, 403, 404, 409, 429, 503) },
      },
    },
    async (request) => {
      const result = await service.cancel(request.params.app, request.params.uid);
      request.log.info({ uid: result.uid }, 'callback cancelled');
      return result;
    },
  );

  app.patch(
    '/v1/apps/:app/callbacks/:uid',
    {
      schema: {
        summary: 'Reschedule a callback',
        description:
          'Moves the next attempt of a scheduled or retrying callback (its triggerAt or nextAttemptAt); a dispatched attempt ' +
          'whose handler has not started stands down and is dispatched again for the new time. 409 CALLBACK_RUNNING once the handler has started.',
        tags: TAGS,
        params: CallbackParams,
        body: RescheduleBody,
        response: { 200: CallbackDetail, ...errorResponses(...COMMON_ERRORS, 404, 409) },
      },
    },
    async (request) => {
      const callback = await service.reschedule(request.params.app, request.params.uid, request.body);
      request.log.info({ uid: callback.uid, triggerAt: callback.triggerAt, nextAttemptAt: callback.nextAttemptAt }, 'callback rescheduled');
      return callback;
    },
  );

  app.post(
    '/v1/apps/:app/callbacks/:uid/retry',
    {
      schema: {
        summary: 'Redrive a failed callback',
        description:
          'Runs a failed (or terminated) callback again now, with its original args and retry strategy, under the same uid (a new ' +
          'run of its workflow, from the registration; the failed run stays in Temporal). 409 CALLBACK_NOT_FAILED otherwise. Send no body.',
        tags: TAGS,
        params: CallbackParams,
        response: { 200: CallbackDetail, ...errorResponses(400, 401, 403, 404, 409, 429, 503) },
      },
    },
    async (request) => {
      const callback = await service.retry(request.params.app, request.params.uid);
      request.log.info({ uid: callback.uid }, 'callback redriven');
      return callback;
    },
  );

  // Every method a path does not serve answers 405 (the list and stats GETs live in routes/listing.ts).
  methodNotAllowed(app, '/v1/apps/:app/callbacks', ['GET', 'POST']);
  methodNotAllowed(app, '/v1/apps/:app/callbacks/:uid', ['GET', 'DELETE', 'PATCH']);
  methodNotAllowed(app, '/v1/apps/:app/callbacks/:uid/retry', ['POST']);
  methodNotAllowed(app, '/v1/apps/:app/stats', ['GET']);
};
