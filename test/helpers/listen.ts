/** Starts a test server of ours (a proxy, a balancer) on a free port of 127.0.0.1 and resolves with the port. */
import type { Server } from 'node:net';

export async function listenOnFreePort(server: Server): Promise<number> {
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', resolve);
  });
  const bound = server.address();
  return typeof bound === 'object' && bound ? bound.port : 0;
}
