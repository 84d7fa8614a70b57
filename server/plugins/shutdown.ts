/**
 * Graceful shutdown of the facade. Requests in flight when closing starts are
 * answered (Fastify's own 503 for them is off: see `return503OnClosing` in
 * app.ts), and every response from then on closes its connection: Node reaps
 * idle keep-alive sockets only once, when closing starts, and a socket whose
 * request was in flight would otherwise stay open after its answer (Fastify
 * keeps them 72 s) and hold the shutdown past its grace delay.
 */
import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';

async function shutdownPlugin(app: FastifyInstance): Promise<void> {
  let closing = false;
  app.addHook('preClose', async () => {
    closing = true;
  });
  app.addHook('onSend', async (_request, reply) => {
    if (closing) reply.header('connection', 'close');
  });
}

export default fp(shutdownPlugin, { name: 'shutdown' });
