/**
 * Our own TypeScript entry points as real child processes (`node --import tsx`),
 * their output appended to a log file, so a fault test can SIGKILL or SIGTERM
 * exactly the process it means and read what it said afterwards.
 */
import { closeSync, openSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { spawnManaged, type ManagedChild } from '../../../scripts/lib/managed-child.js';

export const repoRoot = resolve(import.meta.dirname, '..', '..', '..');

export interface NodeProcessOptions {
  /** Shown in errors and log lines. */
  name: string;
  /** Path from the repository root, e.g. `server/main.ts`. */
  script: string;
  /** Added to (and overriding) this process's environment. */
  env: Record<string, string>;
  /** stdout and stderr are appended here. */
  logFile: string;
  args?: string[];
}

export function startNodeProcess(options: NodeProcessOptions): ManagedChild {
  const fd = openSync(options.logFile, 'a');
  try {
    return spawnManaged(process.execPath, ['--import', 'tsx', resolve(repoRoot, options.script), ...(options.args ?? [])], {
      name: options.name,
      cwd: repoRoot,
      env: { ...process.env, ...options.env },
      stdio: ['ignore', fd, fd],
      // SIGKILL: a child outliving a crashed test run must not linger (graceful stops are explicit).
      deathSignal: 'SIGKILL',
    });
  } finally {
    closeSync(fd); // the child holds its own copy
  }
}

/** SIGKILL, then wait until the kernel has reaped it. */
export async function killHard(child: ManagedChild): Promise<void> {
  if (child.process.exitCode !== null || child.process.signalCode !== null) return;
  child.process.kill('SIGKILL');
  await child.exited.catch(() => undefined);
}

/** The last lines of a log file, for failure messages. */
export function tailOf(file: string, lines = 30): string {
  try {
    return readFileSync(file, 'utf8').trimEnd().split('\n').slice(-lines).join('\n');
  } catch {
    return '(no log)';
  }
}
