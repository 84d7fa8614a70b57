/** Declared alias contracts: `/v1/apps/{app}/aliases[/{alias}]`. */
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { AliasService } from '../aliases/alias-service.js';
import { methodNotAllowed } from '../plugins/errors.js';
import { AliasDeleted, AliasDetail, AliasList, AliasParams, PublishAliasBody } from '../../shared/schemas/aliases.js';
import { AppParams, errorEnvelope, errorResponses } from '../../shared/schemas/common.js';

export interface AliasRoutesOptions {
  aliases: AliasService;
}

const TAGS = ['aliases'];

const NOT_FOUND = errorEnvelope('The app has not declared this alias, or Redis lost the declaration (ALIAS_NOT_FOUND).', {
  code: 'ALIAS_NOT_FOUND',
  message: 'app "orders" has not declared alias "order-expiry" (or Redis lost the declaration)',
});

const SCHEMA_INVALID = errorEnvelope(
  'Malformed JSON, a schema violation of the body (VALIDATION_FAILED), or an args schema that is not valid JSON Schema (ALIAS_SCHEMA_INVALID).',
  {
    code: 'ALIAS_SCHEMA_INVALID',
    message: 'the args schema argsSchema/type must be equal to one of the allowed values',
    details: [{ field: 'body.argsSchema.type', message: 'must be equal to one of the allowed values' }],
  },
);

export const aliasRoutes: FastifyPluginAsyncTypebox<AliasRoutesOptions> = async (app, { aliases }) => {
  app.addHook('onRequest', app.authorizeApp);

  app.put(
    '/v1/apps/:app/aliases/:alias',
    {
      schema: {
        summary: 'Declare the args schema of an alias',
        description:
          'What an SDK worker publishes for each alias it defines with an args schema, at every start. From then on a registration ' +
          'for this alias whose args do not match is refused with 400 ARGS_INVALID. Re-publishing replaces the schema.',
        tags: TAGS,
        params: AliasParams,
        body: PublishAliasBody,
        response: {
          200: { ...AliasDetail, description: 'Declared.' },
          ...errorResponses(401, 403, 413, 415, 429, 503),
          400: SCHEMA_INVALID,
        },
      },
    },
    async (request) => {
      const { app: appName, alias } = request.params;
      const declared = await aliases.publish(appName, alias, request.body.argsSchema, request.body.publishedBy);
      request.log.info({ app: appName, alias, schemaHash: declared.schemaHash, publishedBy: declared.publishedBy }, 'alias declared');
      return declared;
    },
  );

  app.get(
    '/v1/apps/:app/aliases',
    {
      schema: {
        summary: 'List declared aliases',
        description: 'Every alias of the app with a declared args schema, with when (and by which worker) it was last published.',
        tags: TAGS,
        params: AppParams,
        response: { 200: AliasList, ...errorResponses(400, 401, 403, 429, 503) },
      },
    },
    async (request) => ({ items: await aliases.list(request.params.app) }),
  );

  app.get(
    '/v1/apps/:app/aliases/:alias',
    {
      schema: {
        summary: 'Read a declared alias',
        description: 'Its args schema and when it was last published.',
        tags: TAGS,
        params: AliasParams,
        response: { 200: AliasDetail, ...errorResponses(400, 401, 403, 429, 503), 404: NOT_FOUND },
      },
    },
    async (request) => aliases.get(request.params.app, request.params.alias),
  );

  app.delete(
    '/v1/apps/:app/aliases/:alias',
    {
      schema: {
        summary: 'Forget a declared alias',
        description: 'Registrations for it are no longer checked, until a worker publishes it again (at its next start).',
        tags: TAGS,
        params: AliasParams,
        response: { 200: AliasDeleted, ...errorResponses(400, 401, 403, 429, 503), 404: NOT_FOUND },
      },
    },
    async (request) => {
      const result = await aliases.delete(request.params.app, request.params.alias);
      request.log.info({ app: result.app, alias: result.alias }, 'alias declaration deleted');
      return result;
    },
  );

  methodNotAllowed(app, '/v1/apps/:app/aliases', ['GET']);
  methodNotAllowed(app, '/v1/apps/:app/aliases/:alias', ['GET', 'PUT', 'DELETE']);
};
