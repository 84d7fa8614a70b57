/**
 * The system under test. Two shapes, the same processes:
 *
 *   --stack bench (default)  the bench starts the parts itself, as `npm run dev` does (the
 *                            same launchers, flags and dynamic config): the Temporal dev
 *                            server on a SQLite file, Redis, the facade and the service
 *                            worker from dist/ (scripts/lib/service-processes.ts)
 *   --stack dev              `npm run dev` itself, as a child (bench/lib/dev-stack.ts)
 *
 * Either way the bench adds its own application worker (bench/app-worker.ts) for an app of
 * its own. Children write their output to log files in the run's folder and die with us.
 */
import { openSync } from 'node:fs';
import { join, resolve } from 'node:path';
import getPort from 'get-port';
import { spawnManaged, type ManagedChild } from '../../scripts/lib/managed-child.js';
import { ensureRedis, type RedisHandle } from '../../scripts/lib/redis-server.js';
import { startServiceProcesses, type ServiceProcesses } from '../../scripts/lib/service-processes.js';
import { resolveTemporalBinary } from '../../scripts/lib/temporal-binary.js';
import { startTemporalDevServer } from '../../scripts/lib/temporal-dev-server.js';
import type { ChildMessage, FireRecord } from './fire-log.js';

const root = resolve(import.meta.dirname, '..', '..');

export type StackKind = 'bench' | 'dev';

export interface BenchStackOptions {
  kind: StackKind;
  /** Folder for the SQLite file and the children's logs. */
  workDir: string;
  /** Where the bench's own children are transpiled (see buildForBench). */
  codeDir: string;
  /** Extra environment for our processes (tuning experiments). */
  env: Record<string, string>;
  /** Extra dynamic config of the dev server (--stack bench only). */
  dynamicConfig: Record<string, string | number | boolean>;
  /** The app the bench's app worker serves. */
  app: string;
  /** --stack dev: Temporal's database folder; kept when given, else a fresh one in workDir. */
  dataDir?: string;
}

export interface BenchStack {
  kind: StackKind;
  temporal: { address: string; namespace: string };
  temporalVersion: string;
  /** The Temporal server's Prometheus endpoint (null if `npm run dev` reused a running server). */
  temporalMetricsUrl: string | null;
  redis: RedisHandle;
  dbFile: string | null;
  facadeUrl: string;
  /** The service worker's own /metrics and /healthz. */
  serviceWorkerUrl: string;
  appWorker: WorkerChild;
  /** The processes to sample, by name (facade, service-worker, app-worker, temporal, ...). */
  pids(): Record<string, number>;
  /** Restarts our processes and the app worker with `env` on top of the options' (e.g. DISPATCH_LEAD_MS=0). */
  restartOurs(env: Record<string, string>): Promise<void>;
  /** Stops everything but Redis, gracefully (the dev server checkpoints its SQLite file). */
  stopServices(): Promise<void>;
  stop(): Promise<void>;
}

/** A bench worker child (ours, the baseline's or BullMQ's) that reports fires over IPC. */
export interface WorkerChild {
  child: ManagedChild;
  /** Receives every fire the child reports. */
  onFire(listener: (record: FireRecord) => void): () => void;
}

/** Where the bench's own children's code lives: the transpiled tree (set once by setBenchCodeDir). */
let codeRoot = root;

export function setBenchCodeDir(dir: string): void {
  codeRoot = dir;
}

/** Starts `node <codeRoot>/<script>.js` (a bench child) with its output in `<workDir>/<name>.log`. */
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

/** The bench's application worker: a DelayCallbackClient for `app`, reporting fires over IPC. */
export function startAppWorker(app: string, facadeUrl: string, temporalAddress: string, env: Record<string, string>, workDir: string): Promise<WorkerChild> {
  return startWorkerChild('app-worker', 'bench/app-worker.ts', { ...env, TEMPORAL_ADDRESS: temporalAddress, BENCH_APP: app, BENCH_SERVER_URL: facadeUrl }, workDir);
}

/**
 * Environment of our processes in the bench: the defaults users get, but no rate limit (one
 * client offering 200 registrations/s would otherwise meet the per-token limit, 100/s by
 * default, which is a policy, not a capacity), and a Redis key prefix of the run's own.
 */
export function benchEnv(app: string, redisUrl: string, extra: Record<string, string>): Record<string, string> {
  return { REDIS_URL: redisUrl, REDIS_KEY_PREFIX: `delay-callback-bench:${app}:`, RATE_LIMIT_MAX: '0', ...extra };
}

export async function startBenchStack(options: BenchStackOptions): Promise<BenchStack> {
  if (options.kind === 'dev') {
    const { startDevStack } = await import('./dev-stack.js');
    return startDevStack(options);
  }
  const binary = await resolveTemporalBinary();
  const dbFile = join(options.workDir, 'temporal.db');
  const metricsPort = await getPort({ host: '127.0.0.1' });
  const [temporal, redis] = await Promise.all([
    startTemporalDevServer({ binaryPath: binary.path, dbFile, metricsPort, dynamicConfig: options.dynamicConfig, stdio: 'ignore' }),
    ensureRedis(),
  ]);
  let service: ServiceProcesses | undefined;
  let appWorker: WorkerChild | undefined;
  const [facadePort, workerPort] = [await getPort({ host: '127.0.0.1' }), await getPort({ host: '127.0.0.1' })];
  const startOurs = async (extra: Record<string, string>): Promise<void> => {
    const env = { ...process.env, TEMPORAL_ADDRESS: temporal.address, TEMPORAL_UI_URL: temporal.uiUrl, HOST: '127.0.0.1', ...benchEnv(options.app, redis.url, { ...options.env, ...extra }) };
    const logs = (name: string): ['ignore', number, number] => {
      const fd = openSync(join(options.workDir, `${name}.log`), 'a');
      return ['ignore', fd, fd];
    };
    service = await startServiceProcesses({ env, facadePort, workerPort, stdio: logs, readyTimeoutMs: 180_000 });
    appWorker = await startAppWorker(options.app, service.facadeUrl, temporal.address, { ...options.env, ...extra }, options.workDir);
  };
  const stopOurs = async (): Promise<void> => {
    await appWorker?.child.stop('SIGTERM', 10_000);
    await service?.stop(10_000);
  };
  try {
    await startOurs({});
  } catch (err) {
    await stopOurs().catch(() => undefined);
    await temporal.stop();
    await redis.stop();
    throw err;
  }
  const stack: BenchStack = {
    kind: 'bench',
    temporal: { address: temporal.address, namespace: temporal.namespace },
    temporalVersion: binary.version,
    temporalMetricsUrl: `http://127.0.0.1:${metricsPort}/metrics`,
    redis,
    dbFile,
    facadeUrl: service!.facadeUrl,
    serviceWorkerUrl: service!.serviceWorkerUrl,
    get appWorker() {
      return appWorker!;
    },
    pids: () => ({
      ...(service ? { facade: service.facade.pid, 'service-worker': service.serviceWorker.pid } : {}),
      ...(appWorker ? { 'app-worker': appWorker.child.pid } : {}),
      temporal: temporal.child.pid,
    }),
    async restartOurs(env) {
      await stopOurs();
      await startOurs(env);
    },
    async stopServices() {
      await stopOurs();
      await temporal.stop();
    },
    async stop() {
      await stopOurs().catch(() => undefined);
      await temporal.stop().catch(() => undefined);
      await redis.stop().catch(() => undefined);
    },
  };
  return stack;
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
