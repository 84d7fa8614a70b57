/**
 * Runs the Go toolchain for the builds this project caches (the Temporal CLI, the
 * Temporal server for the cluster suite, the Go example worker). CGO is always off:
 * nothing we build needs C, and so no C toolchain is needed either. Output is
 * dropped; the end of stderr goes into the error, where it says what broke.
 */
import { spawn } from 'node:child_process';

export interface RunGoOptions {
  /** The `go` binary (default: `go` from PATH). */
  go?: string;
  env?: NodeJS.ProcessEnv;
  cwd?: string;
  /** Extra GOFLAGS, after the caller's own and `-buildvcs=false`. */
  goflags?: string;
}

export function runGo(args: string[], options: RunGoOptions = {}): Promise<void> {
  const env = options.env ?? process.env;
  const goflags = [env.GOFLAGS ?? '', '-buildvcs=false', options.goflags ?? ''].filter(Boolean).join(' ');
  return new Promise((resolve, reject) => {
    const child = spawn(options.go ?? 'go', args, {
      cwd: options.cwd,
      env: { ...env, CGO_ENABLED: '0', GOFLAGS: goflags },
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => {
      stderr = (stderr + chunk.toString()).slice(-4_000);
    });
    child.once('error', (err) => reject(new Error(`could not run go (is the Go toolchain on PATH?): ${err.message}`)));
    child.once('exit', (code) => {
      if (code === 0) resolve();
      else reject(new Error(`go ${args[0]} exited with ${code}: ${stderr.trim().split('\n').slice(-5).join(' | ')}`));
    });
  });
}
