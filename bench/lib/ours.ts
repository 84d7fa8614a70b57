/**
 * Our side of a scenario: registrations over HTTP through the client SDK (as an
 * application makes them, but with the SDK's retries off so that every refusal is
 * counted), fires seen by the bench's app worker, lookups in Temporal by workflow id.
 */
import { Client, Connection, WorkflowNotFoundError } from '@temporalio/client';
import { DelayCallbackClient, DelayCallbackError } from '../../client-sdk/index.js';
import { callbackWorkflowId } from '../../workflows/contract.js';
import { latenessBreakdown } from './breakdown.js';
import type { RecordState, RegistrationResult } from './outcome.js';
import type { RssSampler } from './rss.js';
import { scrapeServer } from './temporal-metrics.js';
import type { SideDriver, SystemName } from './scenario.js';
import type { BenchStack } from './stack.js';

/** Our processes and the Temporal server, by the names used in results. */
export const OUR_PROCESSES = ['facade', 'service-worker', 'app-worker', 'temporal'] as const;

/** Watches every process of the stack (again after a restart: the pids changed). */
export function watchOurProcesses(sampler: RssSampler, stack: BenchStack): void {
  for (const [name, pid] of Object.entries(stack.pids())) sampler.watch(name, pid);
}

/** An answer's HTTP status as a registration outcome: 429 and 503 are a definite no, unless the service says it cannot tell. */
export function registrationOutcome(err: unknown): Pick<RegistrationResult, 'outcome' | 'code' | 'id'> {
  if (!(err instanceof DelayCallbackError)) return { outcome: 'error', code: err instanceof Error ? err.message : String(err) };
  const uid = (err.details ?? []).map((detail) => (detail as { uid?: unknown } | null)?.uid).find((value) => typeof value === 'string') as string | undefined;
  if (err.code === 'REGISTRATION_OUTCOME_UNKNOWN') return { outcome: 'unknown', code: err.code, ...(uid ? { id: uid } : {}) };
  if (err.status === 429 || err.status === 503) return { outcome: 'refused', code: `${err.status} ${err.code}` };
  return { outcome: 'error', code: err.status ? `${err.status} ${err.code}` : err.code };
}

/** Where a workflow stands: open, closed, or missing. */
export async function workflowState(client: Client, workflowId: string): Promise<RecordState> {
  try {
    const description = await client.workflow.getHandle(workflowId).describe();
    return description.status.name === 'RUNNING' ? 'open' : 'closed';
  } catch (err) {
    if (err instanceof WorkflowNotFoundError) return 'missing';
    throw err;
  }
}

export interface OursDriver extends SideDriver {
  close(): Promise<void>;
}

export async function oursDriver(stack: BenchStack, app: string, sampler: RssSampler, system: SystemName = 'ours'): Promise<OursDriver> {
  // HTTP only: the worker half of the SDK runs in the app-worker child. No retries: each answer counts.
  const http = new DelayCallbackClient({ app, serverUrl: stack.facadeUrl, requestTimeoutMs: 30_000, retries: 0 });
  const connection = await Connection.connect({ address: stack.temporal.address });
  const temporal = new Client({ connection, namespace: stack.temporal.namespace });
  return {
    system,
    async register(run, seq, triggerAt) {
      const sent = performance.now();
      try {
        const { uid } = await http.register({ alias: 'bench', args: { run, seq }, triggerAt });
        return { outcome: 'accepted', id: uid, latencyMs: performance.now() - sent };
      } catch (err) {
        return { ...registrationOutcome(err), latencyMs: performance.now() - sent };
      }
    },
    lookup: (uid) => workflowState(temporal, callbackWorkflowId(app, uid)),
    async openExecutions() {
      const { count } = await connection.workflowService.countWorkflowExecutions({
        namespace: stack.temporal.namespace,
        query: `CallbackApp = '${app}' AND ExecutionStatus = 'Running'`,
      });
      return Number(count ?? 0);
    },
    serverCounters: async () => (stack.temporalMetricsUrl ? scrapeServer(stack.temporalMetricsUrl) : null),
    breakdown: (sample) => latenessBreakdown(stack.temporal.address, stack.temporal.namespace, app, sample),
    onFire: (listener) => stack.appWorker.onFire(listener),
    peaks: () => pick(sampler.peaks(), OUR_PROCESSES),
    cpu: () => pick(sampler.cpuSeconds(), OUR_PROCESSES),
    close: () => connection.close(),
  };
}

export function pick(values: Record<string, number>, names: readonly string[]): Record<string, number> {
  return Object.fromEntries(names.filter((name) => name in values).map((name) => [name, values[name]!]));
}
