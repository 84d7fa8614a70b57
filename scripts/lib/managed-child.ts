/**
 * Child processes that never outlive us.
 *
 * Every child is started through `setpriv --pdeathsig` where available, so the
 * kernel signals it when our process dies for any reason (kill -9 included);
 * a normal exit or Ctrl-C stops it through `stop()` / the exit hook below.
 */
import { spawn, spawnSync, type ChildProcess, type SpawnOptions } from 'node:child_process';

export interface ManagedChildOptions {
  /** Shown in log lines and errors. */
  name: string;
  env?: NodeJS.ProcessEnv;
  cwd?: string;
  /** Where the child's stdout/stderr go. @default 'inherit' */
  stdio?: SpawnOptions['stdio'];
  /** Signal the kernel sends the child when we die. @default 'SIGTERM' */
  deathSignal?: NodeJS.Signals;
}

export interface ManagedChild {
  readonly name: string;
  readonly pid: number;
  readonly process: ChildProcess;
  /** Resolves with the exit code (or the signal name) once the child has exited. */
  readonly exited: Promise<number | string>;
  /** Sends `signal`, waits up to `timeoutMs`, then SIGKILLs. Resolves once the child is gone. */
  stop(signal?: NodeJS.Signals, timeoutMs?: number): Promise<void>;
}

const live = new Set<ManagedChild>();
let exitHookInstalled = false;

function hasSetpriv(): boolean {
  if (process.platform !== 'linux') return false;
  const probe = spawnSync('setpriv', ['--help'], { stdio: 'ignore' });
  return probe.status === 0;
}
const setprivAvailable = hasSetpriv();

function installExitHook(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  // 'exit' handlers must be synchronous: a last SIGKILL for anything still running.
  process.on('exit', () => {
    for (const child of live) {
      try {
        process.kill(child.pid, 'SIGKILL');
      } catch {
        // already gone
      }
    }
  });
}

export function spawnManaged(command: string, args: readonly string[], options: ManagedChildOptions): ManagedChild {
  installExitHook();
  const deathSignal = options.deathSignal ?? 'SIGTERM';
  const [file, argv] = setprivAvailable
    ? ['setpriv', ['--pdeathsig', deathSignal, '--', command, ...args]]
    : [command, [...args]];
  const proc = spawn(file, argv, {
    env: options.env ?? process.env,
    cwd: options.cwd,
    stdio: options.stdio ?? 'inherit',
  });
  if (proc.pid === undefined) {
    throw new Error(`could not start ${options.name} (${command}): spawn failed`);
  }
  const exited = new Promise<number | string>((resolve, reject) => {
    proc.once('error', reject);
    proc.once('exit', (code, signal) => resolve(code ?? signal ?? 'unknown'));
  });
  const child: ManagedChild = {
    name: options.name,
    pid: proc.pid,
    process: proc,
    exited,
    async stop(signal: NodeJS.Signals = 'SIGTERM', timeoutMs = 10_000) {
      if (proc.exitCode !== null || proc.signalCode !== null) return;
      proc.kill(signal);
      const timer = setTimeout(() => proc.kill('SIGKILL'), timeoutMs);
      try {
        await exited.catch(() => undefined);
      } finally {
        clearTimeout(timer);
      }
    },
  };
  live.add(child);
  void exited.catch(() => undefined).finally(() => live.delete(child));
  return child;
}

/** Waits for the child's exit or for `ms`, whichever comes first; true if it exited. */
export async function exitedWithin(child: ManagedChild, ms: number): Promise<boolean> {
  const timeout = new Promise<false>((resolve) => setTimeout(resolve, ms, false).unref());
  return Promise.race([child.exited.then(() => true as const, () => true as const), timeout]);
}
