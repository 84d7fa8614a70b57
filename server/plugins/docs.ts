/** OpenAPI document generated from the route schemas (`/openapi.json`) and its UI (`/docs`). */
import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';

async function docsPlugin(app: FastifyInstance, options: { version: string; authEnabled: boolean }): Promise<void> {
  await app.register(swagger, {
    openapi: {
      openapi: '3.1.0',
      info: {
        title: 'delay-callback',
        version: options.version,
        description:
          'Runs your application\'s code at an exact time, durably, on Temporal. Errors always have the envelope ' +
          '`{"error": {"code", "message", "details"}}`.',
      },
      tags: [
        { name: 'callbacks', description: 'Register, read, cancel, reschedule.' },
        { name: 'operations', description: 'Health, readiness, metrics (no token).' },
        { name: 'codec', description: 'Codec server for the Temporal Web UI and CLI: payload encryption (admin token when tokens are configured).' },
      ],
      components: { securitySchemes: { bearer: { type: 'http', scheme: 'bearer', description: 'A token of the app in the path, or the admin token.' } } },
      security: options.authEnabled ? [{ bearer: [] }] : [],
    },
  });
  await app.register(swaggerUi, { routePrefix: '/docs', uiConfig: { docExpansion: 'list', deepLinking: true } });
  app.get('/openapi.json', { schema: { hide: true }, config: { rateLimit: false } }, async () => app.swagger());
}

export default fp(docsPlugin, { name: 'docs' });
