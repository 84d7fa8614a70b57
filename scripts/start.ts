/**
 * `npm start` (after `npm run build`): the service on one host, as `npm run dev` and the
 * benchmark run it: the facade (RUN_WORKER=false) on PORT and the service worker, a
 * process of its own, with `/metrics` and `/healthz` on SERVICE_WORKER_PORT (default
 * PORT + 1). Both read the same environment (docs/configuration.md). Temporal and Redis
 * are yours (TEMPORAL_ADDRESS, REDIS_URL); nothing else is started. SIGTERM or Ctrl-C stops
 * both gracefully; if either exits, the other is stopped and `npm start` exits non-zero.
 * Containers run the two entry points separately instead (docs/deploying.md).
 */
import { ConfigError, loadConfig } from '../server/config.js';
import { exitedWithin } from './lib/managed-child.js';
import { serviceWorkerPort, startServiceProcesses } from './lib/service-processes.js';

async function main(): Promise<void> {
  const config = loadConfig();
  const host = config.host === '0.0.0.0' ? '127.0.0.1' : config.host;
  const service = await startServiceProcesses({
    env: process.env,
    facadePort: config.port,
    workerPort: serviceWorkerPort(process.env, config.port),
    host,
  });
  console.log(`[start] facade ${service.facadeUrl} (pid ${service.facade.pid}), service worker ${service.serviceWorkerUrl} (pid ${service.serviceWorker.pid})`);
  let stopping = false;
  const stop = async (code: number, terminalSignalled = false): Promise<never> => {
    if (!stopping) {
      stopping = true;
      // Ctrl-C reached both children already: let them finish gracefully before insisting.
      if (terminalSignalled) await Promise.all([exitedWithin(service.facade, 35_000), exitedWithin(service.serviceWorker, 35_000)]);
      await service.stop();
    }
    process.exit(code);
  };
  process.on('SIGINT', () => void stop(0, true));
  process.on('SIGTERM', () => void stop(0));
  for (const child of [service.facade, service.serviceWorker]) {
    void child.exited.then((code) => {
      if (stopping) return;
      console.error(`[start] ${child.name} exited (${code}); stopping`);
      void stop(1);
    });
  }
}

main().catch((err: unknown) => {
  console.error(err instanceof ConfigError || err instanceof Error ? err.message : err);
  process.exit(1);
});
