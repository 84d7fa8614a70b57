/**
 * --stack dev: measures `npm run dev` itself. The bench runs the command as a child in a
 * process group of its own (as a terminal would), on free ports and a data folder of the
 * run's (DELAY_CALLBACK_DATA_DIR), with the bench's Redis, and learns the pids and URLs from
 * `<data dir>/dev-stack.json`. It stops the stack as Ctrl-C does: SIGINT to the whole group.
 * The bench's app worker serves an app of its own beside the demo worker.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { openSync, readFileSync, rmSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import getPort from 'get-port';
import { ensureRedis } from '../../scripts/lib/redis-server.js';
import { resolveTemporalBinary } from '../../scripts/lib/temporal-binary.js';
import { waitFor } from '../../scripts/lib/wait-for.js';
import type { DevStackState } from '../../scripts/dev.js';
import { benchEnv, startAppWorker, type BenchStack, type BenchStackOptions, type WorkerChild } from './stack.js';

const root = resolve(import.meta.dirname, '..', '..');

export async function startDevStack(options: BenchStackOptions): Promise<BenchStack> {
  const binary = await resolveTemporalBinary();
  const redis = await ensureRedis();
  const keepData = options.dataDir !== undefined;
  const dataDir = resolve(options.dataDir ?? join(options.workDir, 'dev-data'));
  await mkdir(dataDir, { recursive: true });
  const host = '127.0.0.1';
  const ports = { api: await getPort({ host }), worker: await getPort({ host }), temporal: await getPort({ host }), ui: await getPort({ host }) };
  let dev: ChildProcess | undefined;
  let state: DevStackState | undefined;
  let appWorker: WorkerChild | undefined;

  const killGroup = (signal: NodeJS.Signals): void => {
    if (dev?.pid === undefined || dev.exitCode !== null || dev.signalCode !== null) return;
    try {
      process.kill(-dev.pid, signal);
    } catch {
      // already gone
    }
  };
  // The group is detached from ours, so neither a Ctrl-C of the bench nor a SIGTERM reaches it: pass them on.
  // (Node runs no 'exit' handler when a signal kills it; a SIGKILL of the bench leaves the stack running.)
  process.on('exit', () => killGroup('SIGKILL'));
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.once(signal, () => {
      killGroup('SIGINT');
      const pgid = dev?.pid;
      void waitFor('npm run dev to stop', async () => pgid === undefined || !groupAlive(pgid), { timeoutMs: 40_000, intervalMs: 200 })
        .catch(() => undefined)
        .finally(() => process.exit(130));
    });
  }

  const start = async (extra: Record<string, string>): Promise<void> => {
    const log = openSync(join(options.workDir, 'npm-run-dev.log'), 'a');
    rmSync(join(dataDir, 'dev-stack.json'), { force: true });
    dev = spawn('npm', ['run', 'dev'], {
      cwd: root,
      detached: true, // a process group of its own: Ctrl-C is SIGINT to the group
      stdio: ['ignore', log, log],
      env: {
        ...process.env,
        PORT: String(ports.api),
        SERVICE_WORKER_PORT: String(ports.worker),
        TEMPORAL_ADDRESS: `${host}:${ports.temporal}`,
        TEMPORAL_UI_URL: `http://${host}:${ports.ui}`,
        DELAY_CALLBACK_DATA_DIR: dataDir,
        ...benchEnv(options.app, redis.url, { ...options.env, ...extra }),
      },
    });
    const exited = new Promise<never>((_, reject) => dev!.once('exit', (code) => reject(new Error(`npm run dev exited (${code}) during start-up; see npm-run-dev.log`))));
    state = await Promise.race([
      waitFor('npm run dev to write dev-stack.json', async () => JSON.parse(readFileSync(join(dataDir, 'dev-stack.json'), 'utf8')) as DevStackState, {
        timeoutMs: 300_000,
        intervalMs: 250,
      }),
      exited,
    ]);
    void exited.catch(() => undefined);
    appWorker = await startAppWorker(options.app, state.api, state.temporal.address, { ...options.env, ...extra }, options.workDir);
  };
  const stopDev = async (): Promise<void> => {
    await appWorker?.child.stop('SIGTERM', 10_000);
    if (!dev || dev.exitCode !== null || dev.signalCode !== null) return;
    const gone = new Promise<void>((done) => dev!.once('exit', () => done()));
    killGroup('SIGINT');
    const timer = setTimeout(() => killGroup('SIGKILL'), 60_000);
    await gone;
    clearTimeout(timer);
    // npm may exit before the last of its grandchildren: wait for the group to be empty.
    await waitFor('npm run dev to stop every process', async () => !groupAlive(dev!.pid!), { timeoutMs: 60_000, intervalMs: 200 }).catch(() => killGroup('SIGKILL'));
  };

  try {
    await start({});
  } catch (err) {
    await stopDev().catch(() => undefined);
    await redis.stop();
    throw err;
  }
  const current = (): DevStackState => state!;
  return {
    kind: 'dev',
    temporal: { address: current().temporal.address, namespace: current().temporal.namespace },
    temporalVersion: binary.version,
    get temporalMetricsUrl() {
      return current().temporal.metricsUrl;
    },
    redis,
    dbFile: current().dbFile,
    facadeUrl: current().api,
    serviceWorkerUrl: current().serviceWorker,
    get appWorker() {
      return appWorker!;
    },
    pids: () => ({ ...current().pids, ...(appWorker ? { 'app-worker': appWorker.child.pid } : {}) }),
    async restartOurs(env) {
      // npm run dev's children read their configuration at start: the whole stack restarts, on the same data.
      await stopDev();
      await start(env);
    },
    stopServices: stopDev,
    async stop() {
      await stopDev().catch(() => undefined);
      await redis.stop().catch(() => undefined);
      if (!keepData) rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

/** True while any process of the group `pgid` is alive. */
function groupAlive(pgid: number): boolean {
  try {
    process.kill(-pgid, 0);
    return true;
  } catch {
    return false;
  }
}
