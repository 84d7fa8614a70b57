/**
 * The service's own processes as `npm run dev`, `npm start` and the benchmark run them:
 * the facade (`dist/server/main.js` with RUN_WORKER=false) and the service worker
 * (`dist/server/worker-main.js`) side by side, each with its own event loop, from compiled
 * JavaScript. HTTP work in the facade then never delays a workflow task, and no
 * TypeScript loader sits on the hot path (tsx costs about 45 MB of RSS and start-up CPU
 * per process).
 */
import type { SpawnOptions } from 'node:child_process';
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { spawnManaged, type ManagedChild } from './managed-child.js';
import { waitFor } from './wait-for.js';

/** The repository (or installed package) root, whether this module runs from scripts/ or dist/scripts/. */
export const PROJECT_ROOT = import.meta.url.endsWith('.ts') ? resolve(import.meta.dirname, '..', '..') : resolve(import.meta.dirname, '..', '..', '..');

/** Where `npm run build` puts the JavaScript. */
export const DIST_DIR = resolve(PROJECT_ROOT, 'dist');

/** `dist/<path>.js` for a source path such as `server/main.ts`; fails clearly when not built. */
export function compiled(sourcePath: string): string {
  const path = resolve(DIST_DIR, sourcePath.replace(/\.ts$/, '.js'));
  if (!existsSync(path)) throw new Error(`${path} is missing: run npm run build first`);
  return path;
}

/** Starts `node dist/<script>.js` as a child that dies with us. */
export function startCompiled(name: string, script: string, env: NodeJS.ProcessEnv, stdio: SpawnOptions['stdio'] = 'inherit'): ManagedChild {
  return spawnManaged(process.execPath, [compiled(script)], { name, env, cwd: PROJECT_ROOT, stdio });
}

/**
 * Port of the service worker's `/metrics` and `/healthz` when one command starts both
 * processes: SERVICE_WORKER_PORT, else the facade's port + 1.
 */
export function serviceWorkerPort(env: NodeJS.ProcessEnv, facadePort: number): number {
  const raw = env.SERVICE_WORKER_PORT?.trim();
  if (!raw) return facadePort + 1;
  const port = Number(raw);
  if (!/^\d+$/.test(raw) || port < 1 || port > 65_535) {
    throw new Error(`Invalid configuration: SERVICE_WORKER_PORT must be an integer from 1 to 65535 (got "${raw}")`);
  }
  return port;
}

export interface ServiceProcessesOptions {
  /** The configuration both processes read (server/config.ts); PORT is overridden per process. */
  env: NodeJS.ProcessEnv;
  facadePort: number;
  workerPort: number;
  /** The facade's host as clients reach it. @default '127.0.0.1' */
  host?: string;
  /** Where each child's output goes. @default 'inherit' */
  stdio?: (name: 'facade' | 'service-worker') => SpawnOptions['stdio'];
  /** @default 120000 */
  readyTimeoutMs?: number;
}

export interface ServiceProcesses {
  facade: ManagedChild;
  serviceWorker: ManagedChild;
  facadeUrl: string;
  serviceWorkerUrl: string;
  /** Graceful: SIGTERM to both (each finishes what it is doing), SIGKILL after `timeoutMs`. */
  stop(timeoutMs?: number): Promise<void>;
}

/** Starts the facade and the service worker and waits until the facade is ready and the worker runs. */
export async function startServiceProcesses(options: ServiceProcessesOptions): Promise<ServiceProcesses> {
  const host = options.host ?? '127.0.0.1';
  const stdio = options.stdio ?? (() => 'inherit');
  const facadeUrl = `http://${host}:${options.facadePort}`;
  const serviceWorkerUrl = `http://${host}:${options.workerPort}`;
  const facade = startCompiled('facade', 'server/main.ts', { ...options.env, PORT: String(options.facadePort), RUN_WORKER: 'false' }, stdio('facade'));
  const serviceWorker = startCompiled('service-worker', 'server/worker-main.ts', { ...options.env, PORT: String(options.workerPort) }, stdio('service-worker'));
  const stop = async (timeoutMs = 35_000): Promise<void> => {
    await Promise.all([facade.stop('SIGTERM', timeoutMs), serviceWorker.stop('SIGTERM', timeoutMs)]);
  };
  const timeoutMs = options.readyTimeoutMs ?? 120_000;
  const exitedEarly = Promise.race([facade.exited.then(() => 'facade'), serviceWorker.exited.then(() => 'service worker')]).then((name) => {
    throw new Error(`the ${name} exited during start-up (see its output above or its log)`);
  });
  try {
    await Promise.race([
      Promise.all([
        waitFor(`the facade at ${facadeUrl}/readyz`, async () => (await fetch(`${facadeUrl}/readyz`)).ok, { timeoutMs, intervalMs: 250 }),
        waitFor(`the service worker at ${serviceWorkerUrl}/healthz`, async () => (await fetch(`${serviceWorkerUrl}/healthz`)).ok, { timeoutMs, intervalMs: 250 }),
      ]),
      exitedEarly,
    ]);
  } catch (err) {
    await stop(5_000);
    throw err;
  }
  void exitedEarly.catch(() => undefined);
  return { facade, serviceWorker, facadeUrl, serviceWorkerUrl, stop };
}
