/** The Temporal SDK runtime of this process, logging through its console logger. */
import { DefaultLogger, Runtime } from '@temporalio/worker';

let installed = false;

/** Installs the process-wide runtime once (a second call is a no-op). */
export function installTemporalRuntime(logLevel: string): void {
  if (installed) return;
  installed = true;
  // The SDK logs every worker start and stop at INFO; below debug, WARN keeps our own logs readable.
  const level = ['debug', 'trace'].includes(logLevel) ? 'DEBUG' : ['error', 'fatal', 'silent'].includes(logLevel) ? 'ERROR' : 'WARN';
  Runtime.install({ logger: new DefaultLogger(level) });
}
