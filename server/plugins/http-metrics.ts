/** HTTP latency per route into the process's Prometheus registry. */
import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';
import type { ServiceMetrics } from '../metrics.js';

async function httpMetricsPlugin(app: FastifyInstance, { metrics }: { metrics: ServiceMetrics }): Promise<void> {
  app.addHook('onResponse', async (request, reply) => {
    // The route pattern, not the URL, keeps label cardinality bounded.
    const route = request.routeOptions.url ?? 'unmatched';
    metrics.httpDuration.observe(
      { method: request.method, route, status_code: String(reply.statusCode) },
      reply.elapsedTime / 1000,
    );
  });
}

export default fp(httpMetricsPlugin, { name: 'http-metrics' });
