/**
 * `npm run dev`: the whole stack in one command.
 *
 *   Temporal dev server (SQLite in .data/, Web UI)   reused if TEMPORAL_ADDRESS already answers
 *   Redis                                            REDIS_URL if it answers, else a child of ours
 *   the facade with its service worker               server/main.ts
 *   a demo application worker                        examples/demo-worker.ts
 *
 * Every child stops with us: on Ctrl-C, on SIGTERM, and (through the kernel's
 * parent-death signal) when this process is killed outright.
 */
import { resolve } from 'node:path';
import { Connection } from '@temporalio/client';
import { loadConfig, ConfigError } from '../server/config.js';
import { exitedWithin, spawnManaged, type ManagedChild } from './lib/managed-child.js';
import { ensureRedis, type RedisHandle } from './lib/redis-server.js';
import { resolveTemporalBinary } from './lib/temporal-binary.js';
import { ensureSearchAttributes, startTemporalDevServer, type TemporalDevServer } from './lib/temporal-dev-server.js';
import { waitFor } from './lib/wait-for.js';

const root = resolve(import.meta.dirname, '..');
const log = (line: string): void => console.log(`[dev] ${line}`);
const env: NodeJS.ProcessEnv = { ...process.env };
const DEMO_APP = 'demo';
/** Webhooks to a receiver on this machine, for trying them out; production blocks loopback. */
const DEV_WEBHOOK_CIDRS = '127.0.0.1/32';

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
  const stopping: Array<() => Promise<void>> = [];
  const children: ManagedChild[] = [];
  let shuttingDown = false;
  const shutdown = async (code: number, terminalSignalled = false): Promise<never> => {
    if (!shuttingDown) {
      shuttingDown = true;
      log('stopping...');
      // Ctrl-C reached every process of the terminal's group: let them shut down gracefully on
      // their own first (a second signal would make them hurry), then stop whatever is left.
      if (terminalSignalled) await Promise.all(children.map((child) => exitedWithin(child, 35_000)));
      for (const stop of stopping.reverse()) await stop().catch(() => undefined);
    }
    process.exit(code);
  };
  process.on('SIGINT', () => void shutdown(0, true));
  process.on('SIGTERM', () => void shutdown(0));

  let temporal: TemporalDevServer | undefined;
  if (await temporalAnswers(config.temporal.address)) {
    log(`using the Temporal server already answering at ${config.temporal.address}`);
    const connection = await Connection.connect({ address: config.temporal.address });
    await ensureSearchAttributes(connection, config.temporal.namespace);
    await connection.close();
  } else {
    const binary = await resolveTemporalBinary();
    log(`Temporal CLI: ${binary.path} (${binary.version}, from ${binary.source})`);
    temporal = await startTemporalDevServer({
      binaryPath: binary.path,
      port: portOf(config.temporal.address, 'TEMPORAL_ADDRESS'),
      uiPort: portOf(new URL(config.temporal.uiUrl).host, 'TEMPORAL_UI_URL'),
      namespace: config.temporal.namespace,
      dbFile: resolve(root, '.data', 'temporal.db'),
    });
    stopping.push(() => temporal!.stop());
    children.push(temporal.child);
    log(`Temporal dev server ${temporal.address}, state in .data/temporal.db`);
  }

  const redis: RedisHandle = await ensureRedis({ url: config.redis.url, stdio: 'ignore' });
  stopping.push(() => redis.stop());
  log(redis.child ? `started redis-server at ${redis.url} (nothing answered at ${config.redis.url})` : `using Redis at ${redis.url}`);
  env.REDIS_URL = redis.url;

  const startNode = (name: string, script: string, extraEnv: NodeJS.ProcessEnv = {}): ManagedChild => {
    const child = spawnManaged(process.execPath, ['--import', 'tsx', resolve(root, script)], {
      name,
      env: { ...env, ...extraEnv },
      cwd: root,
    });
    children.push(child);
    stopping.push(() => child.stop('SIGTERM', 35_000));
    void child.exited.then((code) => {
      if (!shuttingDown) {
        log(`${name} exited (${code}); stopping the stack`);
        void shutdown(1);
      }
    });
    return child;
  };

  const apiUrl = `http://${config.host === '0.0.0.0' ? '127.0.0.1' : config.host}:${config.port}`;
  startNode('facade', 'server/main.ts');
  await waitFor(`the facade at ${apiUrl}/readyz`, async () => (await fetch(`${apiUrl}/readyz`)).ok, { timeoutMs: 120_000, intervalMs: 250 });

  const demoToken = config.appTokens.get(DEMO_APP)?.[0] ?? config.adminToken;
  startNode('demo-worker', 'examples/demo-worker.ts', {
    DELAY_CALLBACK_URL: apiUrl,
    DELAY_CALLBACK_APP: DEMO_APP,
    ...(demoToken ? { DELAY_CALLBACK_TOKEN: demoToken } : {}),
  });

  const auth = demoToken ? ` -H 'authorization: Bearer ${demoToken.slice(0, 4)}…'` : '';
  console.log(`
  delay-callback is up
    API          ${apiUrl}
    API docs     ${apiUrl}/docs
    Readiness    ${apiUrl}/readyz        Metrics ${apiUrl}/metrics
    Temporal UI  ${config.temporal.uiUrl}/namespaces/${config.temporal.namespace}/workflows
    Temporal     ${config.temporal.address}    Redis ${redis.url}

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
