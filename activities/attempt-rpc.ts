/**
 * The two calls an attempt makes to Temporal itself, beside what the SDK's core
 * does for it: the awaited pre-start check (one RecordActivityTaskHeartbeat with
 * the attempt's task token, whose answer says whether the workflow asked the
 * attempt to stand down) and the `attempt-started` signal. Both go through the
 * worker's own connection. See docs/activity-contract.md.
 */
import { randomUUID } from 'node:crypto';
import { defaultPayloadConverter } from '@temporalio/common';
import type { NativeConnection } from '@temporalio/worker';
import { attemptStartedSignal, type AttemptHeartbeatDetails, type AttemptStartedRequest } from '../workflows/contract.js';

export interface AttemptRpc {
  /** Records a heartbeat with `details` and answers whether cancellation of the attempt was requested. */
  recordHeartbeat(taskToken: Uint8Array, details: AttemptHeartbeatDetails, timeoutMs: number): Promise<{ cancelRequested: boolean }>;
  /** Tells the attempt's workflow run that its handler has started. */
  signalAttemptStarted(execution: { workflowId: string; runId: string }, request: AttemptStartedRequest, timeoutMs: number): Promise<void>;
}

/** The calls over a worker's NativeConnection (which the SDK's core uses too; they do not interfere). */
export function attemptRpcFor(connection: NativeConnection, namespace: string, identity: string): AttemptRpc {
  const service = connection.workflowService;
  return {
    async recordHeartbeat(taskToken, details, timeoutMs) {
      const response = await connection.withDeadline(Date.now() + timeoutMs, () =>
        service.recordActivityTaskHeartbeat({
          namespace,
          taskToken,
          identity,
          details: { payloads: [defaultPayloadConverter.toPayload(details)] },
        }),
      );
      return { cancelRequested: Boolean(response.cancelRequested) };
    },
    async signalAttemptStarted(execution, request, timeoutMs) {
      await connection.withDeadline(Date.now() + timeoutMs, () =>
        service.signalWorkflowExecution({
          namespace,
          workflowExecution: execution,
          signalName: attemptStartedSignal.name,
          input: { payloads: [defaultPayloadConverter.toPayload(request)] },
          identity,
          requestId: randomUUID(),
        }),
      );
    },
  };
}
