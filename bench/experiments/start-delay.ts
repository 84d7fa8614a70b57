/**
 * Experiment behind a proposal (docs/performance.md): what would starting
 * each callback's workflow with Temporal's `startDelay` (instead of a workflow
 * that sleeps on a timer) save? Both variants start the unchanged workflow
 * straight through the Temporal client (no facade), at the same rate, with the
 * same service worker and app worker processes:
 *
 *   timer        as the facade does today: the workflow starts now and sleeps until the trigger
 *   start-delay  the workflow starts at the trigger (startDelay); it finds the time passed and fires
 *
 * Usage: npx tsx bench/experiments/start-delay.ts [rate=50] [seconds=20]
 */
import { randomBytes } from 'node:crypto';
import { mkdir, rm } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { Client, Connection } from '@temporalio/client';
import {
  DEFAULT_ATTEMPT_TIMEOUT_SECONDS,
  DEFAULT_RETRY,
  SERVICE_TASK_QUEUE,
  WORKFLOW_TYPE,
  callbackWorkflowId,
  searchAttributes,
  type DelayCallbackInput,
} from '../../workflows/contract.js';
import { latenessBreakdown } from '../lib/breakdown.js';
import { buildForBench, buildProject } from '../lib/build.js';
import { OUR_PROCESSES, pick, watchOurProcesses } from '../lib/ours.js';
import { sleep } from '../lib/pacer.js';
import { RssSampler } from '../lib/rss.js';
import { runScenario, type SideDriver, type SideResult } from '../lib/scenario.js';
import { setBenchCodeDir, startBenchStack, type BenchStack } from '../lib/stack.js';
import { scrapeServer } from '../lib/temporal-metrics.js';

type Variant = 'timer' | 'start-delay';

function directDriver(stack: BenchStack, client: Client, app: string, sampler: RssSampler, variant: Variant): SideDriver {
  return {
    system: 'ours',
    async register(run, seq, triggerAt) {
      const uid = `${run}-${seq}`;
      const now = Date.now();
      const input: DelayCallbackInput = {
        app,
        uid,
        alias: 'bench',
        args: { run, seq },
        triggerAt: new Date(triggerAt).toISOString(),
        createdAt: new Date(now).toISOString(),
        retry: DEFAULT_RETRY,
        attemptTimeoutSeconds: DEFAULT_ATTEMPT_TIMEOUT_SECONDS,
      };
      const sent = performance.now();
      await client.workflow.start(WORKFLOW_TYPE, {
        taskQueue: SERVICE_TASK_QUEUE,
        workflowId: callbackWorkflowId(app, uid),
        args: [input],
        typedSearchAttributes: [
          { key: searchAttributes.app, value: app },
          { key: searchAttributes.alias, value: 'bench' },
          { key: searchAttributes.status, value: 'scheduled' },
          { key: searchAttributes.triggerAt, value: new Date(triggerAt) },
        ],
        ...(variant === 'start-delay' ? { startDelay: Math.max(1, triggerAt - now) } : {}),
      });
      return { outcome: 'accepted', id: uid, latencyMs: performance.now() - sent };
    },
    onFire: (listener) => stack.appWorker.onFire(listener),
    peaks: () => pick(sampler.peaks(), OUR_PROCESSES),
    cpu: () => pick(sampler.cpuSeconds(), OUR_PROCESSES),
    serverCounters: async () => (stack.temporalMetricsUrl ? scrapeServer(stack.temporalMetricsUrl) : null),
    breakdown: (sample) => latenessBreakdown(stack.temporal.address, stack.temporal.namespace, app, sample),
  };
}

async function main(): Promise<void> {
  const rate = Number(process.argv[2] ?? 50);
  const seconds = Number(process.argv[3] ?? 20);
  const root = resolve(import.meta.dirname, '..', '..');
  const workDir = join(root, 'bench', 'results', 'tmp', `start-delay-${Date.now()}`);
  await mkdir(workDir, { recursive: true });
  const app = `exp-${randomBytes(3).toString('hex')}`;
  buildProject();
  const codeDir = await buildForBench(join(workDir, 'build'));
  setBenchCodeDir(codeDir);
  const stack = await startBenchStack({ kind: 'bench', workDir, codeDir, app, env: {}, dynamicConfig: {} });
  const connection = await Connection.connect({ address: stack.temporal.address });
  const client = new Client({ connection, namespace: stack.temporal.namespace });
  const sampler = new RssSampler();
  watchOurProcesses(sampler, stack);
  sampler.start();
  const results: Record<string, SideResult> = {};
  try {
    // Warm-up, then the two variants twice each, interleaved, so a change in the machine's load hits both.
    await runScenario(directDriver(stack, client, app, sampler, 'timer'), 'warm-up', { rate: 50, durationSeconds: 4, leadSeconds: 2, stallMs: 15_000, lostWaitMs: 60_000, maxInFlight: 512 });
    for (const [i, variant] of (['timer', 'start-delay', 'timer', 'start-delay'] as Variant[]).entries()) {
      await sleep(3_000);
      sampler.reset();
      const driver = directDriver(stack, client, app, sampler, variant);
      results[`${variant}#${i}`] = await runScenario(driver, `${variant}-${i}`, { rate, durationSeconds: seconds, leadSeconds: 5, stallMs: 15_000, lostWaitMs: 60_000, maxInFlight: 512 });
    }
  } finally {
    sampler.stop();
    await connection.close();
    await stack.stop();
    await rm(workDir, { recursive: true, force: true });
  }
  for (const [name, r] of Object.entries(results)) {
    const cost = r.serverCost;
    const cpuMs = Object.entries(r.cpuSeconds).map(([p, s]) => `${p} ${Math.round((s * 1000) / Math.max(1, r.fired))}`).join(', ');
    console.log(
      `${name.padEnd(14)} lateness p50 ${r.latenessMs.p50} p99 ${r.latenessMs.p99} ms; start RPC p50 ${r.registrationLatencyMs.p50} ms; ` +
        `DB requests/callback ${cost?.persistenceTotalPerCallback} (UpdateWorkflowExecution ${cost?.persistencePerCallback['history:UpdateWorkflowExecution']}); ` +
        `CPU ms/callback: ${cpuMs}; load ${r.loadavg[0]}`,
    );
  }
}

await main();
process.exit(0);
