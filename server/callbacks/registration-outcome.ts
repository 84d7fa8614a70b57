/**
 * A registration's start that Temporal did not answer (deadline, unavailable,
 * cancelled) may still have happened. Before answering, the facade asks Temporal
 * whether the workflow exists, so the client hears the truth: it exists (201/200),
 * it does not (503, the idempotency key released), or nobody can tell
 * (503 REGISTRATION_OUTCOME_UNKNOWN, the key kept).
 *
 * Why the answer is sound (Temporal server 1.29, service/history): a start holds
 * the workflow id's "current execution" lock from before its deadline check until
 * its write has committed, and the write only begins if the request's deadline
 * (as Temporal received it) has not passed. DescribeWorkflowExecution by id takes
 * the same lock. So a describe made after the start's deadline either waits for a
 * start in progress and sees it, or the start has not taken the lock yet and will
 * fail its deadline check. The grace before describing covers the time the start
 * request spends reaching Temporal, since Temporal's deadline is the client's
 * remaining time counted from when the request arrives. A start delayed in transit
 * by more than the grace can still land after a "does not exist": see
 * docs/overload.md for that residual risk and why a keyed retry makes it harmless.
 */
import { WorkflowNotFoundError, type Client, type WorkflowExecutionDescription } from '@temporalio/client';
import { ServiceError } from '../errors.js';
import { boundedCall, hasGrpcCode, isTemporalUnreachable } from './dependency-calls.js';

export interface OutcomeCheckOptions {
  /** Wait after the start's deadline before describing. */
  graceMs: number;
  /** Bound on the describe. */
  timeoutMs: number;
}

export type StartOutcome =
  | { exists: true; description: WorkflowExecutionDescription }
  | { exists: false }
  | { exists: 'unknown'; cause: unknown };

// gRPC codes after which a start may have happened: the request may have reached Temporal and
// its answer been lost (CANCELLED, UNKNOWN, DEADLINE_EXCEEDED, ABORTED, INTERNAL, UNAVAILABLE).
const UNKNOWN_OUTCOME_CODES = [1, 2, 4, 10, 13, 14];

/** True when a failed start may still have created the workflow. */
export function isStartOutcomeUnknown(err: unknown): boolean {
  // Our own bound on the call (boundedCall's 503) fired while the start was in flight.
  if (err instanceof ServiceError) return err.code === 'DEPENDENCY_UNAVAILABLE';
  return isTemporalUnreachable(err) || UNKNOWN_OUTCOME_CODES.some((code) => hasGrpcCode(err, code));
}

/** Margin past a gRPC deadline before our own bound gives up on the call (the client's retries may overrun it). */
export const DEADLINE_MARGIN_MS = 100;

/**
 * Asks Temporal whether `workflowId` exists, not before `startDeadline` + grace, and answers by
 * `startDeadline` + grace + timeout (plus a small margin) however late the start's failure came back.
 */
export async function checkStartOutcome(
  client: Client,
  workflowId: string,
  startDeadline: number,
  options: OutcomeCheckOptions,
): Promise<StartOutcome> {
  const askAt = startDeadline + options.graceMs;
  const wait = askAt - Date.now();
  if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
  const deadline = Math.min(Date.now() + options.timeoutMs, askAt + options.timeoutMs);
  try {
    const description = await boundedCall('temporal', Math.max(0, deadline - Date.now()) + DEADLINE_MARGIN_MS, () =>
      client.withDeadline(deadline, () => client.workflow.getHandle(workflowId).describe()),
    );
    return { exists: true, description };
  } catch (err) {
    if (err instanceof WorkflowNotFoundError) return { exists: false };
    return { exists: 'unknown', cause: err };
  }
}
