/**
 * Starting a callback's workflow: its id, reuse policy, search attributes, memo and Web UI
 * summary, and the start delay that holds its first task until the dispatch time.
 */
import type { Client, WorkflowHandle } from '@temporalio/client';
import { SERVICE_TASK_QUEUE, WORKFLOW_TYPE, callbackWorkflowId, searchAttributes, type DelayCallbackInput } from '../../workflows/contract.js';
import { memoOf } from './workflow-data.js';

/**
 * Starts a callback's workflow with Temporal holding its first task until the dispatch time.
 * `now` is the moment the start is sent, from which the delay is counted.
 */
export function startCallbackWorkflow(
  client: Client,
  input: DelayCallbackInput,
  reuse: 'REJECT_DUPLICATE' | 'ALLOW_DUPLICATE_FAILED_ONLY',
  now: number,
): Promise<WorkflowHandle> {
  return client.workflow.start(WORKFLOW_TYPE, {
    taskQueue: SERVICE_TASK_QUEUE,
    workflowId: callbackWorkflowId(input.app, input.uid),
    args: [input],
    workflowIdReusePolicy: reuse,
    workflowIdConflictPolicy: 'FAIL',
    typedSearchAttributes: [
      { key: searchAttributes.app, value: input.app },
      { key: searchAttributes.alias, value: input.alias },
      { key: searchAttributes.status, value: 'scheduled' },
      { key: searchAttributes.triggerAt, value: new Date(input.triggerAt) },
    ],
    memo: memoOf(input),
    staticSummary: summaryLine(input),
    // Temporal holds the workflow's first task until the attempt's dispatch time (the trigger minus
    // the pre-dispatch lead): no timer and no task to run now, so a registration costs one write, and
    // the fire does not inherit this moment's worker latency. An update (cancel, reschedule) or a
    // cancellation request starts it early.
    startDelay: delayUntil(input.triggerAt, now, input.dispatchLeadMs ?? 0),
  });
}

/** The Web UI's one-line summary: what, whose, when, and a webhook's host (never its path or headers). */
function summaryLine(input: DelayCallbackInput): string {
  const target = input.webhook ? `, webhook to ${new URL(input.webhook.url).host}` : '';
  return `${input.alias} of ${input.app}, due ${input.triggerAt}${target}`;
}

/** Milliseconds until `lead` before `triggerAt`, or undefined when that moment has come (no delay). */
function delayUntil(triggerAt: string, now: number, lead: number): number | undefined {
  const ms = Date.parse(triggerAt) - lead - now;
  return ms > 0 ? ms : undefined;
}
