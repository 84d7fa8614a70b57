/**
 * The bare-Temporal baseline: the same scenario with no product code. The bench starts
 * `baselineCallback` workflows itself with the Temporal client (a start delay until the
 * trigger, as our facade does), on the same dev server, at the same rate; one worker process
 * runs the workflows, another the activity, which records when it starts. Our sustained rate
 * and lateness are reported as ratios to it: what delay-callback costs over Temporal itself.
 */
import { randomBytes } from 'node:crypto';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Client, Connection } from '@temporalio/client';
import { bundleWorkflowCode } from '@temporalio/worker';
import type { BaselineInput } from '../baseline/workflows.js';
import { pick, workflowState } from './ours.js';
import type { RssSampler } from './rss.js';
import type { SideDriver } from './scenario.js';
import { startWorkerChild, type BenchStack, type WorkerChild } from './stack.js';
import { scrapeServer } from './temporal-metrics.js';

export const BASELINE_PROCESSES = ['baseline-workflows', 'baseline-activities', 'temporal'] as const;
export const BASELINE_WORKFLOW_TYPE = 'baselineCallback';

export interface BaselineSide {
  driver: SideDriver;
  close(): Promise<void>;
}

/** Bundles the baseline workflow from the transpiled tree (once per run). */
export async function bundleBaseline(codeDir: string, workDir: string): Promise<string> {
  const quiet = (): undefined => undefined;
  const { code } = await bundleWorkflowCode({
    workflowsPath: join(codeDir, 'bench', 'baseline', 'workflows.js'),
    logger: { trace: quiet, debug: quiet, info: quiet, log: quiet, warn: console.warn, error: console.error },
  });
  const path = join(workDir, 'baseline-bundle.js');
  await writeFile(path, code);
  return path;
}

export async function startBaselineSide(stack: BenchStack, bundlePath: string, workDir: string, sampler: RssSampler): Promise<BaselineSide> {
  const suffix = randomBytes(3).toString('hex');
  const workflowQueue = `bench-baseline-${suffix}`;
  const activityQueue = `bench-baseline-${suffix}.activities`;
  const common = { TEMPORAL_ADDRESS: stack.temporal.address };
  const children: WorkerChild[] = [];
  const connection = await Connection.connect({ address: stack.temporal.address });
  const client = new Client({ connection, namespace: stack.temporal.namespace });
  try {
    children.push(
      await startWorkerChild('baseline-workflows', 'bench/baseline-worker.ts', { ...common, BENCH_BASELINE_ROLE: 'workflows', BENCH_BASELINE_TASK_QUEUE: workflowQueue, BENCH_BASELINE_BUNDLE: bundlePath }, workDir),
      await startWorkerChild('baseline-activities', 'bench/baseline-worker.ts', { ...common, BENCH_BASELINE_ROLE: 'activities', BENCH_BASELINE_TASK_QUEUE: activityQueue }, workDir),
    );
  } catch (err) {
    for (const child of children) await child.child.stop('SIGTERM', 10_000);
    await connection.close();
    throw err;
  }
  const [workflows, activities] = children as [WorkerChild, WorkerChild];
  sampler.watch('baseline-workflows', workflows.child.pid);
  sampler.watch('baseline-activities', activities.child.pid);
  return {
    driver: {
      system: 'baseline',
      async register(run, seq, triggerAt) {
        const sent = performance.now();
        const workflowId = `bench-baseline:${run}:${seq}`;
        const delay = triggerAt - Date.now();
        try {
          const input: BaselineInput = { run, seq, activityTaskQueue: activityQueue };
          await client.workflow.start(BASELINE_WORKFLOW_TYPE, {
            taskQueue: workflowQueue,
            workflowId,
            args: [input],
            ...(delay > 0 ? { startDelay: delay } : {}),
          });
          return { outcome: 'accepted', id: workflowId, latencyMs: performance.now() - sent };
        } catch (err) {
          return { outcome: 'error', code: err instanceof Error ? err.message : String(err), latencyMs: performance.now() - sent };
        }
      },
      lookup: (workflowId) => workflowState(client, workflowId),
      async openExecutions() {
        const { count } = await connection.workflowService.countWorkflowExecutions({
          namespace: stack.temporal.namespace,
          query: `WorkflowType = '${BASELINE_WORKFLOW_TYPE}' AND TaskQueue = '${workflowQueue}' AND ExecutionStatus = 'Running'`,
        });
        return Number(count ?? 0);
      },
      serverCounters: async () => (stack.temporalMetricsUrl ? scrapeServer(stack.temporalMetricsUrl) : null),
      onFire: (listener) => activities.onFire(listener),
      peaks: () => pick(sampler.peaks(), BASELINE_PROCESSES),
      cpu: () => pick(sampler.cpuSeconds(), BASELINE_PROCESSES),
    },
    async close() {
      sampler.unwatch('baseline-workflows');
      sampler.unwatch('baseline-activities');
      await Promise.all(children.map((child) => child.child.stop('SIGTERM', 10_000)));
      await connection.close();
    },
  };
}
