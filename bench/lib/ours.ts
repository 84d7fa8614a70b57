/** Our side of a scenario: registrations over HTTP through the client SDK, fires seen by the bench's app worker. */
import { DelayCallbackClient } from '../../client-sdk/index.js';
import { latenessBreakdown } from './breakdown.js';
import type { RssSampler } from './rss.js';
import { scrapeServer } from './temporal-metrics.js';
import type { SideDriver } from './scenario.js';
import type { BenchStack } from './stack.js';

/** Our processes and the Temporal server, by the names used in results. */
export const OUR_PROCESSES = ['facade', 'service-worker', 'app-worker', 'temporal'] as const;

export function watchOurProcesses(sampler: RssSampler, stack: BenchStack): void {
  sampler.watch('facade', stack.facade.pid);
  sampler.watch('service-worker', stack.serviceWorker.pid);
  sampler.watch('app-worker', stack.appWorker.child.pid);
  sampler.watch('temporal', stack.temporal.child.pid);
}

export function oursDriver(stack: BenchStack, app: string, sampler: RssSampler): SideDriver {
  // HTTP only: the worker half of the SDK runs in the app-worker child.
  const client = new DelayCallbackClient({ app, serverUrl: stack.facadeUrl, requestTimeoutMs: 30_000 });
  return {
    system: 'ours',
    async register(run, seq, triggerAt) {
      return (await client.register({ alias: 'bench', args: { run, seq }, triggerAt })).uid;
    },
    serverCounters: () => scrapeServer(stack.temporalMetricsUrl),
    breakdown: (sample) => latenessBreakdown(stack.temporal.address, stack.temporal.namespace, app, sample),
    onFire: (listener) => stack.appWorker.onFire(listener),
    peaks: () => pick(sampler.peaks(), OUR_PROCESSES),
    cpu: () => pick(sampler.cpuSeconds(), OUR_PROCESSES),
  };
}

export function pick(values: Record<string, number>, names: readonly string[]): Record<string, number> {
  return Object.fromEntries(names.filter((name) => name in values).map((name) => [name, values[name]!]));
}
