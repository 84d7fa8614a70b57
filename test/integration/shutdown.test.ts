/** Graceful shutdown of the facade: a request in flight is answered, then its connection closes. */
import { Agent, request } from 'node:http';
import { describe, expect, inject, it } from 'vitest';
import { buildApp } from '../../server/app.js';
import { startTestStack, uniqueName } from '../helpers/stack.js';

describe('facade shutdown', () => {
  it('answers a request in flight when closing starts, with Connection: close, and then closes', async () => {
    // No service worker in this namespace (its own: restarts.test.ts starts one in `isolated` while
    // vitest runs two files at once): a cancel waits DEPENDENCY_TIMEOUT_MS for one, long enough to close meanwhile.
    const stack = await startTestStack({ serviceWorker: false, env: { TEMPORAL_NAMESPACE: inject('shutdownNamespace'), DEPENDENCY_TIMEOUT_MS: '1500' } });
    try {
      const app = await buildApp(stack.config, { temporal: stack.temporal, redis: stack.redis, metrics: stack.metrics, logger: false });
      await app.listen({ host: '127.0.0.1', port: 0 });
      const { port } = app.server.address() as { port: number };
      const appName = uniqueName('closing');
      const registered = await app.inject({ method: 'POST', url: `/v1/apps/${appName}/callbacks`, payload: { alias: 'a', delaySeconds: 60 } });
      expect(registered.statusCode).toBe(201);

      const keepAlive = new Agent({ keepAlive: true });
      const answer = new Promise<{ status: number; connection: string | undefined; body: string }>((resolve, reject) => {
        const path = `/v1/apps/${appName}/callbacks/${registered.json().uid}`;
        const req = request({ host: '127.0.0.1', port, path, method: 'DELETE', agent: keepAlive }, (res) => {
          let body = '';
          res.on('data', (chunk: Buffer) => (body += chunk.toString()));
          res.on('end', () => resolve({ status: res.statusCode ?? 0, connection: res.headers.connection, body }));
        });
        req.on('error', reject);
        req.end();
      });
      await new Promise((resolve) => setTimeout(resolve, 300)); // the cancel is now waiting for a worker
      const started = Date.now();
      await app.close();
      const closedAfter = Date.now() - started;
      const response = await answer;
      expect(response.status).toBe(503); // answered (no service worker here), not dropped
      expect(JSON.parse(response.body).error.details).toEqual([{ dependency: 'service-worker' }]);
      expect(response.connection).toBe('close');
      console.log(`[shutdown] closed ${closedAfter} ms after closing started`);
      keepAlive.destroy();
    } finally {
      await stack.close();
    }
  });
});
