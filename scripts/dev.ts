/**
 * `npm run dev`: the whole stack in one command, as the benchmark measures it
 * (`npm run bench -- --stack dev` runs this very command). `npm run dev` builds first
 * (scripts/build.mjs: incremental, under a second when nothing changed), then runs this
 * file from dist/:
 *
 *   Temporal dev server (SQLite in DELAY_CALLBACK_DATA_DIR, Web UI)   reused if TEMPORAL_ADDRESS already answers
 *   Redis                                          REDIS_URL if it answers, else a child of ours
 *   the facade (RUN_WORKER=false)                  dist/server/main.js
 *   the service worker, a process of its own       dist/server/worker-main.js
 *   a demo application worker                      dist/examples/demo-worker.js
 *
 * Every child stops with us: on Ctrl-C, on SIGTERM, and (through the kernel's
 * parent-death signal) when this process is killed outright. While it runs,
 * `<data dir>/dev-stack.json` says what runs where (the benchmark reads it).
 */
import { rm, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { Connection } from '@temporalio/client';
import getPort from 'get-port';
import { loadConfig, ConfigError } from '../server/config.js';
import { exitedWithin, type ManagedChild } from './lib/managed-child.js';
import { ensureRedis, type RedisHandle } from './lib/redis-server.js';
import { PROJECT_ROOT, serviceWorkerPort, startCompiled, startServiceProcesses } from './lib/service-processes.js';
import { resolveTemporalBinary } from './lib/temporal-binary.js';
import { ensureSearchAttributes, startTemporalDevServer, type TemporalDevServer } from './lib/temporal-dev-server.js';

const log = (line: string): void => console.log(`[dev] ${line}`);
const env: NodeJS.ProcessEnv = { ...process.env };
const DEMO_APP = 'demo';
/** Webhooks to a receiver on this machine, for trying them out; production blocks loopback. */
const DEV_WEBHOOK_CIDRS = '127.0.0.1/32';
const startedAt = performance.now();

/** What `<data dir>/dev-stack.json` holds while the stack runs. */
export interface DevStackState {
  pid: number;
  dataDir: string;
  dbFile: string | null;
  api: string;
  serviceWorker: string;
  temporal: { address: string; namespace: string; uiUrl: string; metricsUrl: string | null; pid: number | null };
  redis: string;
  pids: Record<string, number>;
}

async function temporalAnswers(address: string): Promise<boolean> {
  try {
    const connection = await Connection.connect({ address, connectTimeout: 1_000 });
    await connection.close();
    return true;
  } catch {
    return false;
  }
}

function portOf(hostPort: string, variable: string): number {
  const port = Number(hostPort.split(':').pop());
  if (!Number.isInteger(port) || port <= 0 || port > 65_535) throw new ConfigError(variable, `has no valid port ("${hostPort}")`);
  return port;
}

async function main(): Promise<void> {
  if (!env.WEBHOOK_ALLOWED_CIDRS?.trim()) env.WEBHOOK_ALLOWED_CIDRS = DEV_WEBHOOK_CIDRS;
  const config = loadConfig(env); // fail early, naming the variable, before starting anything
  log(`webhooks may reach ${config.webhooks.allowedCidrs.join(', ')} besides public addresses (WEBHOOK_ALLOWED_CIDRS; development only)`);
  const dataDir = resolve(env.DELAY_CALLBACK_DATA_DIR?.trim() || join(PROJECT_ROOT, '.data'));
  const stateFile = join(dataDir, 'dev-stack.json');
  const stopping: Array<() => Promise<void>> = [];
  const children: ManagedChild[] = [];
  let shuttingDown = false;
  const shutdown = async (code: number, terminalSignalled = false): Promise<never> => {
    if (!shuttingDown) {
      shuttingDown = true;
      log('stopping...');
      await rm(stateFile, { force: true });
      // Ctrl-C reached every process of the terminal's group: let them shut down gracefully on
      // their own first (a second signal would make them hurry), then stop whatever is left.
      if (terminalSignalled) await Promise.all(children.map((child) => exitedWithin(child, 35_000)));
      for (const stop of stopping.reverse()) await stop().catch(() => undefined);
    }
    process.exit(code);
  };
  process.on('SIGINT', () => void shutdown(0, true));
  process.on('SIGTERM', () => void shutdown(0));
  const stopStackWhenExits = (child: ManagedChild): void => {
    children.push(child);
    void child.exited.then((code) => {
      if (!shuttingDown) {
        log(`${child.name} exited (${code}); stopping the stack`);
        void shutdown(1);
      }
    });
  };

  let temporal: TemporalDevServer | undefined;
  // With payload encryption on, the Web UI decodes through the facade's codec server.
  const codecEndpoint = config.payloadEncryptionKeys ? `http://${config.host === '0.0.0.0' ? '127.0.0.1' : config.host}:${config.port}/codec` : undefined;
  let metricsUrl: string | null = null;
  let dbFile: string | null = null;
  if (await temporalAnswers(config.temporal.address)) {
    log(`using the Temporal server already answering at ${config.temporal.address}`);
    if (codecEndpoint) log(`its Web UI decodes encrypted payloads only if it was started with --ui-codec-endpoint ${codecEndpoint}`);
    const connection = await Connection.connect({ address: config.temporal.address });
    await ensureSearchAttributes(connection, config.temporal.namespace);
    await connection.close();
  } else {
    const binary = await resolveTemporalBinary();
    log(`Temporal CLI: ${binary.path} (${binary.version}, from ${binary.source})`);
    const metricsPort = await getPort({ host: '127.0.0.1' });
    dbFile = join(dataDir, 'temporal.db');
    temporal = await startTemporalDevServer({
      binaryPath: binary.path,
      port: portOf(config.temporal.address, 'TEMPORAL_ADDRESS'),
      uiPort: portOf(new URL(config.temporal.uiUrl).host, 'TEMPORAL_UI_URL'),
      namespace: config.temporal.namespace,
      dbFile,
      metricsPort,
      uiCodecEndpoint: codecEndpoint,
    });
    metricsUrl = `http://127.0.0.1:${metricsPort}/metrics`;
    stopping.push(() => temporal!.stop());
    stopStackWhenExits(temporal.child);
    log(`Temporal dev server ${temporal.address}, state in ${dbFile}`);
  }

  const redis: RedisHandle = await ensureRedis({ url: config.redis.url, stdio: 'ignore' });
  stopping.push(() => redis.stop());
  log(redis.child ? `started redis-server at ${redis.url} (nothing answered at ${config.redis.url})` : `using Redis at ${redis.url}`);
  env.REDIS_URL = redis.url;

  const host = config.host === '0.0.0.0' ? '127.0.0.1' : config.host;
  // The worker's port: SERVICE_WORKER_PORT, else PORT + 1 when free, else any free port.
  const workerPort = env.SERVICE_WORKER_PORT ? serviceWorkerPort(env, config.port) : await getPort({ host, port: config.port + 1 });
  const service = await startServiceProcesses({ env, facadePort: config.port, workerPort, host });
  stopping.push(() => service.stop());
  stopStackWhenExits(service.facade);
  stopStackWhenExits(service.serviceWorker);
  const apiUrl = service.facadeUrl;

  const demoToken = config.appTokens.get(DEMO_APP)?.[0] ?? config.adminToken;
  const demo = startCompiled('demo-worker', 'examples/demo-worker.ts', {
    ...env,
    DELAY_CALLBACK_URL: apiUrl,
    DELAY_CALLBACK_APP: DEMO_APP,
    ...(demoToken ? { DELAY_CALLBACK_TOKEN: demoToken } : {}),
  });
  stopping.push(() => demo.stop('SIGTERM', 35_000));
  stopStackWhenExits(demo);

  const state: DevStackState = {
    pid: process.pid,
    dataDir,
    dbFile,
    api: apiUrl,
    serviceWorker: service.serviceWorkerUrl,
    temporal: { address: config.temporal.address, namespace: config.temporal.namespace, uiUrl: config.temporal.uiUrl, metricsUrl, pid: temporal?.child.pid ?? null },
    redis: redis.url,
    pids: { facade: service.facade.pid, 'service-worker': service.serviceWorker.pid, 'demo-worker': demo.pid, ...(temporal ? { temporal: temporal.child.pid } : {}) },
  };
  await writeFile(stateFile, `${JSON.stringify(state, null, 2)}\n`);

  const auth = demoToken ? ` -H 'authorization: Bearer ${demoToken.slice(0, 4)}…'` : '';
  console.log(`
  delay-callback is up (${((performance.now() - startedAt) / 1000).toFixed(1)} s)
    API          ${apiUrl}
    API docs     ${apiUrl}/docs
    Readiness    ${apiUrl}/readyz        Metrics ${apiUrl}/metrics
    Service worker metrics ${service.serviceWorkerUrl}/metrics
    Temporal UI  ${config.temporal.uiUrl}/namespaces/${config.temporal.namespace}/workflows
    Temporal     ${config.temporal.address}    Redis ${redis.url}${metricsUrl ? `\n    Temporal server metrics ${metricsUrl}` : ''}

  Try it (the demo worker handles the alias "hello" of app "${DEMO_APP}"):
    curl -s -X POST ${apiUrl}/v1/apps/${DEMO_APP}/callbacks -H 'content-type: application/json'${auth} \\
         -d '{"alias":"hello","args":["world"],"delaySeconds":5}'
    curl -s ${apiUrl}/v1/apps/${DEMO_APP}/callbacks/<uid>${auth}

  Ctrl-C stops everything.
`);
  await new Promise(() => undefined); // until a signal or a child's exit
}

main().catch((err: unknown) => {
  console.error(err instanceof Error ? err.message : err);
  process.exit(1);
});
