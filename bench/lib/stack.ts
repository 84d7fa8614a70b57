/**
 * The system under test, every part a process of its own so its memory can be
 * sampled: a Temporal dev server on a SQLite file (WAL), Redis, the facade
 * (server/main.ts, RUN_WORKER=false), the service worker (server/worker-main.ts)
 * and the bench's app worker (bench/app-worker.ts). Children write their output
 * to log files in the run's folder and die with us.
 */
import { openSync } from 'node:fs';
import { join, resolve } from 'node:path';
import getPort from 'get-port';
import { spawnManaged, type ManagedChild } from '../../scripts/lib/managed-child.js';
import { ensureRedis, type RedisHandle } from '../../scripts/lib/redis-server.js';
import { resolveTemporalBinary } from '../../scripts/lib/temporal-binary.js';
import { startTemporalDevServer, type TemporalDevServer } from '../../scripts/lib/temporal-dev-server.js';
import { waitFor } from '../../scripts/lib/wait-for.js';
import type { ChildMessage, FireRecord } from './fire-log.js';

const root = resolve(import.meta.dirname, '..', '..');

export interface BenchStackOptions {
  /** Folder for the SQLite file and the children's logs. */
  workDir: string;
  /** Where the transpiled JavaScript is (see buildForBench); children run `<codeDir>/<script>.js`. */
  codeDir: string;
  /** Extra environment for the facade, service worker and app worker (tuning experiments). */
  env?: Record<string, string>;
  /** Extra dynamic config of the dev server. */
  dynamicConfig?: Record<string, string | number | boolean>;
  /** The app the bench's app worker serves. */
  app: string;
}

export interface BenchStack {
  temporal: TemporalDevServer;
  temporalVersion: string;
  /** The Temporal server's Prometheus endpoint. */
  temporalMetricsUrl: string;
  redis: RedisHandle;
  dbFile: string;
  facadeUrl: string;
  /** The service worker's own /metrics and /healthz. */
  serviceWorkerUrl: string;
  facade: ManagedChild;
  serviceWorker: ManagedChild;
  appWorker: WorkerChild;
  stop(): Promise<void>;
}

/** A bench worker child (ours or BullMQ's) that reports fires over IPC. */
export interface WorkerChild {
  child: ManagedChild;
  /** Receives every fire the child reports. */
  onFire(listener: (record: FireRecord) => void): () => void;
}

/** Where children's code lives: the transpiled tree (set once by startBenchStack). */
let codeRoot = root;

/** Starts `node <codeRoot>/<script>.js` with its output in `<workDir>/<name>.log`. */
export function startNodeChild(name: string, script: string, env: NodeJS.ProcessEnv, workDir: string, ipc: boolean): ManagedChild {
  const log = openSync(join(workDir, `${name}.log`), 'a');
  return spawnManaged(process.execPath, [resolve(codeRoot, script.replace(/\.ts$/, '.js'))], {
    name,
    env: { ...process.env, ...env },
    cwd: root,
    stdio: ipc ? ['ignore', log, log, 'ipc'] : ['ignore', log, log],
  });
}

/** Starts a worker child and waits for its `ready` message. */
export async function startWorkerChild(name: string, script: string, env: NodeJS.ProcessEnv, workDir: string): Promise<WorkerChild> {
  const child = startNodeChild(name, script, env, workDir, true);
  const listeners = new Set<(record: FireRecord) => void>();
  const ready = new Promise<void>((resolveReady, reject) => {
    child.process.on('message', (message: ChildMessage) => {
      if (message.type === 'ready') resolveReady();
      else if (message.type === 'error') reject(new Error(`${name}: ${message.message}`));
      else for (const record of message.fires) for (const listener of listeners) listener(record);
    });
    void child.exited.then((code) => reject(new Error(`${name} exited during start-up (${code}); see ${name}.log`)));
  });
  await withTimeout(ready, 120_000, `${name} to start`);
  return {
    child,
    onFire(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
  };
}

export async function startBenchStack(options: BenchStackOptions): Promise<BenchStack> {
  codeRoot = options.codeDir;
  const binary = await resolveTemporalBinary();
  const dbFile = join(options.workDir, 'temporal.db');
  const metricsPort = await getPort({ host: '127.0.0.1' });
  const [temporal, redis] = await Promise.all([
    startTemporalDevServer({
      binaryPath: binary.path,
      dbFile,
      metricsPort,
      dynamicConfig: options.dynamicConfig,
      stdio: 'ignore',
    }),
    ensureRedis(),
  ]);
  const stopping: Array<() => Promise<void>> = [() => temporal.stop(), () => redis.stop()];
  try {
    const [facadePort, workerPort] = [await getPort({ host: '127.0.0.1' }), await getPort({ host: '127.0.0.1' })];
    const common: NodeJS.ProcessEnv = {
      TEMPORAL_ADDRESS: temporal.address,
      TEMPORAL_UI_URL: temporal.uiUrl,
      REDIS_URL: redis.url,
      REDIS_KEY_PREFIX: `delay-callback-bench:${options.app}:`,
      HOST: '127.0.0.1',
      // Per-request info logs cost CPU the bench would otherwise measure; warnings still show.
      LOG_LEVEL: 'warn',
      RATE_LIMIT_MAX: '0',
      ...options.env,
    };
    const facadeUrl = `http://127.0.0.1:${facadePort}`;
    const facade = startNodeChild('facade', 'server/main.ts', { ...common, PORT: String(facadePort), RUN_WORKER: 'false' }, options.workDir, false);
    stopping.unshift(() => facade.stop('SIGTERM', 10_000));
    const serviceWorker = startNodeChild('service-worker', 'server/worker-main.ts', { ...common, PORT: String(workerPort) }, options.workDir, false);
    stopping.unshift(() => serviceWorker.stop('SIGTERM', 10_000));
    await Promise.all([
      waitFor('the facade', async () => (await fetch(`${facadeUrl}/readyz`)).ok, { timeoutMs: 120_000, intervalMs: 250 }),
      waitFor('the service worker', async () => (await fetch(`http://127.0.0.1:${workerPort}/healthz`)).ok, { timeoutMs: 180_000, intervalMs: 250 }),
    ]);
    const appWorker = await startWorkerChild(
      'app-worker',
      'bench/app-worker.ts',
      { ...common, BENCH_APP: options.app, BENCH_SERVER_URL: facadeUrl },
      options.workDir,
    );
    stopping.unshift(() => appWorker.child.stop('SIGTERM', 10_000));
    return {
      temporal,
      temporalVersion: binary.version,
      temporalMetricsUrl: `http://127.0.0.1:${metricsPort}/metrics`,
      redis,
      dbFile,
      facadeUrl,
      serviceWorkerUrl: `http://127.0.0.1:${workerPort}`,
      facade,
      serviceWorker,
      appWorker,
      async stop() {
        for (const stop of stopping) await stop().catch(() => undefined);
      },
    };
  } catch (err) {
    for (const stop of stopping) await stop().catch(() => undefined);
    throw err;
  }
}

export async function withTimeout<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`timed out after ${ms} ms waiting for ${what}`)), ms);
  });
  try {
    return await Promise.race([promise, timeout]);
  } finally {
    clearTimeout(timer);
  }
}
