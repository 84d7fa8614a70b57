/** Bulk registration: `POST /v1/apps/{app}/callbacks/batch`. */
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { registerBatch } from '../callbacks/batch.js';
import type { CallbackService } from '../callbacks/service.js';
import { methodNotAllowed } from '../plugins/errors.js';
import { compileBodyValidator } from '../plugins/validation.js';
import { BatchBody, BatchHeaders, BatchResponse, MAX_BATCH_ITEMS } from '../../shared/schemas/batch.js';
import { RegisterBody } from '../../shared/schemas/callbacks.js';
import { AppParams, errorResponses } from '../../shared/schemas/common.js';

export interface BatchRoutesOptions {
  service: CallbackService;
  /** Items registered at once within one batch. */
  concurrency: number;
  /** Largest batch body, in bytes (the single route's limit is far smaller). */
  bodyLimit: number;
}

export const batchRoutes: FastifyPluginAsyncTypebox<BatchRoutesOptions> = async (app, { service, concurrency, bodyLimit }) => {
  app.addHook('onRequest', app.authorizeApp);
  // Compiled once: the very validator the single route runs, so an item gets the same 400 it would alone.
  const validateItem = compileBodyValidator<RegisterBody>(RegisterBody);

  app.post(
    '/v1/apps/:app/callbacks/batch',
    {
      bodyLimit,
      schema: {
        summary: 'Register many callbacks',
        description:
          `Registers up to ${MAX_BATCH_ITEMS} callbacks, each exactly as \`POST /v1/apps/{app}/callbacks\` would (same validation, ` +
          'idempotency and errors), and answers 200 with one result per item in request order: `{"status": 201|200, "callback": {...}}` ' +
          'or `{"status": 4xx|5xx, "error": {...}}`. With an `Idempotency-Key` header, an item without its own `idempotencyKey` ' +
          'registers under `<key>:<index>`, so the same batch sent again registers nothing twice and answers the same uids. ' +
          `The body may be up to ${bodyLimit} bytes (413 beyond).`,
        tags: ['callbacks'],
        params: AppParams,
        headers: BatchHeaders,
        body: BatchBody,
        response: {
          200: { ...BatchResponse, description: 'One result per item, in request order.' },
          ...errorResponses(400, 401, 403, 413, 415, 429, 503),
        },
      },
    },
    async (request) => {
      const items = await registerBatch({
        app: request.params.app,
        items: request.body.items,
        batchKey: request.headers['idempotency-key'],
        concurrency,
        validateItem,
        register: (appName, body, key) => service.register(appName, body, key),
        log: request.log,
      });
      const registered = items.filter((item) => item.status === 201).length;
      const replayed = items.filter((item) => item.status === 200).length;
      request.log.info({ app: request.params.app, items: items.length, registered, replayed, failed: items.length - registered - replayed }, 'batch registered');
      return { items };
    },
  );

  methodNotAllowed(app, '/v1/apps/:app/callbacks/batch', ['POST']);
};
