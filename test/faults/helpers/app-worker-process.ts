/** A running fixture SDK worker (test/faults/fixtures/app-worker.ts): start, SIGKILL, SIGTERM. */
import { join } from 'node:path';
import type { ManagedChild } from '../../../scripts/lib/managed-child.js';
import { waitFor } from '../../../scripts/lib/wait-for.js';
import { startNodeProcess, tailOf } from './node-process.js';
import { readRecords } from './runs.js';

export interface AppWorkerProcessOptions {
  app: string;
  runsFile: string;
  /** Shutdown grace given to the SDK worker. */
  graceMs: number;
  dir: string;
  serverUrl: string;
  temporalAddress: string;
}

let started = 0;

export class AppWorkerProcess {
  private constructor(
    readonly child: ManagedChild,
    readonly logFile: string,
  ) {}

  get pid(): number {
    return this.child.pid;
  }

  /** Starts the worker and waits until it polls the app's task queue. */
  static async start(options: AppWorkerProcessOptions): Promise<AppWorkerProcess> {
    const logFile = join(options.dir, `app-worker-${++started}.log`);
    const child = startNodeProcess({
      name: `app-worker ${options.app}`,
      script: 'test/faults/fixtures/app-worker.ts',
      logFile,
      env: {
        FAULT_APP: options.app,
        FAULT_SERVER_URL: options.serverUrl,
        FAULT_RUNS_FILE: options.runsFile,
        FAULT_GRACE_MS: String(options.graceMs),
        TEMPORAL_ADDRESS: options.temporalAddress,
      },
    });
    const died = child.exited.then((code) => {
      throw new Error(`app worker exited (${code}) during start-up:\n${tailOf(logFile)}`);
    });
    const ready = waitFor(
      'app worker ready',
      async () => readRecords(options.runsFile).some((r) => r.event === 'ready' && r.pid === child.pid),
      { timeoutMs: 60_000, intervalMs: 100 },
    );
    died.catch(() => undefined); // once ready, a later exit is the scenario's business
    await Promise.race([ready, died]);
    return new AppWorkerProcess(child, logFile);
  }
}
