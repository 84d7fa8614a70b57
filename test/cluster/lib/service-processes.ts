/**
 * Our own processes as the production topology runs them, each a real child
 * (`node --import tsx <entry>`), logging to a file: the facade with RUN_WORKER=false
 * and the service worker alone (`server/worker-main.ts`).
 */
import { closeSync, openSync } from 'node:fs';
import { join, resolve } from 'node:path';
import getPort from 'get-port';
import { spawnManaged, type ManagedChild } from '../../../scripts/lib/managed-child.js';
import { waitFor } from '../../../scripts/lib/wait-for.js';
import { tail } from './temporal-cluster.js';

export const repoRoot = resolve(import.meta.dirname, '..', '..', '..');

export interface ServiceProcess {
  name: string;
  url: string;
  logFile: string;
  child: ManagedChild;
}

export interface ServiceProcessOptions {
  name: string;
  /** Entry point from the repository root. */
  script: 'server/main.ts' | 'server/worker-main.ts';
  env: Record<string, string>;
  dir: string;
  /** Path answering 200 once the process is ready. */
  readyPath: string;
}

export async function startServiceProcess(options: ServiceProcessOptions): Promise<ServiceProcess> {
  const port = await getPort({ host: '127.0.0.1' });
  const url = `http://127.0.0.1:${port}`;
  const logFile = join(options.dir, `${options.name}.log`);
  const fd = openSync(logFile, 'a');
  let child: ManagedChild;
  try {
    child = spawnManaged(process.execPath, ['--import', 'tsx', resolve(repoRoot, options.script)], {
      name: options.name,
      cwd: repoRoot,
      env: { ...process.env, ...options.env, HOST: '127.0.0.1', PORT: String(port) },
      stdio: ['ignore', fd, fd],
      deathSignal: 'SIGKILL',
    });
  } finally {
    closeSync(fd);
  }
  const exited = child.exited.then((code) => {
    throw new Error(`${options.name} exited during start-up (${code}):\n${tail(logFile, 30)}`);
  });
  try {
    // The service worker bundles the workflow code at start: allow it a while on two busy cores.
    await Promise.race([
      waitFor(`${options.name} ready`, async () => (await fetch(`${url}${options.readyPath}`)).ok, { timeoutMs: 120_000, intervalMs: 250 }),
      exited,
    ]);
  } catch (err) {
    await child.stop('SIGKILL');
    throw err;
  }
  void exited.catch(() => undefined);
  return { name: options.name, url, logFile, child };
}
