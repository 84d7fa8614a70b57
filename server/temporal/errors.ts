/**
 * What an error from a Temporal call means for the API: the one place where
 * Temporal's gRPC status codes, its failure details and the SDK's error classes
 * are interpreted (the table is in docs/errors.md). Whatever the facade cannot
 * blame on a bug of its own becomes a ServiceError with a stable code; only the
 * unexpected is left unmapped, and the error plugin answers it with a logged 500.
 *
 * Messages never carry Temporal's own text (it may name internal addresses);
 * the original error stays the `cause`, for the log.
 */
import {
  QueryNotRegisteredError,
  WorkflowContinuedAsNewError,
  WorkflowUpdateFailedError,
  WorkflowUpdateRPCTimeoutOrCancelledError,
  isGrpcServiceError,
} from '@temporalio/client';
import { ApplicationFailure, NamespaceNotFoundError, WorkflowNotFoundError } from '@temporalio/common';
import proto from '@temporalio/proto';
import { CALLBACK_FINISHED, CALLBACK_RUNNING, type CallbackStatus } from '../../workflows/contract.js';
import { ServiceError, callbackNotFound } from '../errors.js';

/** gRPC status codes (https://grpc.github.io/grpc/core/md_doc_statuscodes.html). */
export const GrpcStatus = {
  CANCELLED: 1,
  UNKNOWN: 2,
  INVALID_ARGUMENT: 3,
  DEADLINE_EXCEEDED: 4,
  NOT_FOUND: 5,
  ALREADY_EXISTS: 6,
  PERMISSION_DENIED: 7,
  RESOURCE_EXHAUSTED: 8,
  FAILED_PRECONDITION: 9,
  ABORTED: 10,
  OUT_OF_RANGE: 11,
  UNIMPLEMENTED: 12,
  INTERNAL: 13,
  UNAVAILABLE: 14,
  DATA_LOSS: 15,
  UNAUTHENTICATED: 16,
} as const;

/** A gRPC error as the SDK hands it on (grpc-js's ServiceError: that package is the SDK's, not ours to import). */
export interface GrpcServiceError extends Error {
  code: number;
  details: string;
  metadata: { get?(key: string): Array<string | Buffer> };
}

const isGrpc = (error: unknown): error is GrpcServiceError => isGrpcServiceError(error);

/** Who failed to answer, in a 503's `details: [{dependency}]`. */
export type Dependency = 'temporal' | 'redis' | 'service-worker';

/** Seconds a client should wait: a second for what clears at once, five for an outage. */
const RETRY_SOON = 1;
const RETRY_LATER = 5;

const { google, temporal } = proto;
const ResourceExhaustedCause = temporal.api.enums.v1.ResourceExhaustedCause;

/** The first error in `err`'s cause chain (a few levels down) that satisfies `test`. */
function findInCauseChain<T>(err: unknown, test: (error: unknown) => error is T): T | undefined {
  for (let current: unknown = err, depth = 0; current && depth < 5; depth++) {
    if (test(current)) return current;
    current = current instanceof Error ? current.cause : undefined;
  }
  return undefined;
}

/** The gRPC error in `err`'s cause chain (the SDK wraps it in its own classes), if any. */
export function grpcErrorOf(err: unknown): GrpcServiceError | undefined {
  return findInCauseChain(err, isGrpc);
}

/** True when `err` or one of its causes is a gRPC error with `code`. */
export function hasGrpcCode(err: unknown, code: number): boolean {
  return findInCauseChain(err, (error): error is GrpcServiceError => isGrpc(error) && error.code === code) !== undefined;
}

/** True when `err` (or a cause of it) says Temporal could not be reached in time. */
export function isTemporalUnreachable(err: unknown): boolean {
  return (
    hasGrpcCode(err, GrpcStatus.DEADLINE_EXCEEDED) ||
    hasGrpcCode(err, GrpcStatus.UNAVAILABLE) ||
    findInCauseChain(err, (error): error is Error => error instanceof Error && /failed to connect before the deadline|deadline exceeded/i.test(error.message)) !== undefined
  );
}

/** Temporal's failure details of a gRPC error (`grpc-status-details-bin`), by type name. */
function failureDetails(err: GrpcServiceError): Map<string, Uint8Array> {
  const details = new Map<string, Uint8Array>();
  try {
    const raw = err.metadata.get?.('grpc-status-details-bin')?.[0];
    if (!raw || typeof raw === 'string') return details;
    for (const entry of google.rpc.Status.decode(raw).details ?? []) {
      if (entry.type_url && entry.value) details.set(entry.type_url.replace(/^type\.googleapis\.com\//, ''), entry.value);
    }
  } catch {
    // Undecodable details: the code alone decides.
  }
  return details;
}

function unavailable(dependency: Dependency, message: string, cause: unknown, retryAfterSeconds = RETRY_LATER): ServiceError {
  return new ServiceError('DEPENDENCY_UNAVAILABLE', message, [{ dependency }], { cause, retryAfterSeconds });
}

function overloaded(message: string, cause: unknown, retryAfterSeconds: number): ServiceError {
  return new ServiceError('OVERLOADED', message, [{ dependency: 'temporal' }], { cause, retryAfterSeconds });
}

const TEMPORAL_DOWN = 'Temporal is unreachable; retry later';
const WORKER_CANNOT_ANSWER =
  'the service worker cannot run this callback\'s workflow right now (a failing workflow task, for example after a bad deploy); retry later';

/** `callback:<app>:<uid>` back to its parts (app names hold no colon). */
function callbackOf(workflowId: string): { app: string; uid: string } | undefined {
  const match = /^callback:([^:]+):(.+)$/.exec(workflowId);
  return match ? { app: match[1]!, uid: match[2]! } : undefined;
}

function notFound(workflowId: string | undefined, cause: unknown): ServiceError {
  const callback = workflowId === undefined ? undefined : callbackOf(workflowId);
  const error = callback ? callbackNotFound(callback.app, callback.uid) : new ServiceError('CALLBACK_NOT_FOUND', 'the callback does not exist (any more)');
  return Object.assign(error, { cause });
}

/** An update the workflow refused: the callback's state is the cause (409), or the worker could not take it. */
function updateRefused(err: WorkflowUpdateFailedError): ServiceError {
  const failure = err.cause;
  if (failure instanceof ApplicationFailure && failure.type === CALLBACK_RUNNING) {
    return new ServiceError('CALLBACK_RUNNING', 'an attempt of this callback is in flight; try again when it has finished', undefined, { cause: err });
  }
  if (failure instanceof ApplicationFailure && failure.type === CALLBACK_FINISHED) {
    const status = (failure.details?.[0] as { status?: CallbackStatus } | undefined)?.status;
    return new ServiceError('CALLBACK_FINISHED', `the callback has already ${status ?? 'finished'}`, status ? [{ status }] : undefined, { cause: err });
  }
  // Not a refusal of ours: a workflow of another version, or one that closed before it took the update.
  return unavailable('service-worker', 'the service worker could not apply this change to the callback; retry later', err, RETRY_SOON);
}

/** RESOURCE_EXHAUSTED: Temporal's limits (namespace rate, in-flight updates of one run, a workflow busy closing). */
function exhausted(err: GrpcServiceError, original: unknown): ServiceError {
  if (/message larger than max/i.test(err.details)) {
    return new ServiceError('PAYLOAD_TOO_LARGE', 'the request is larger than Temporal accepts; send smaller args', undefined, { cause: original });
  }
  const detail = failureDetails(err).get('temporal.api.errordetails.v1.ResourceExhaustedFailure');
  const cause = detail ? temporal.api.errordetails.v1.ResourceExhaustedFailure.decode(detail).cause : undefined;
  const overload =
    cause === ResourceExhaustedCause.RESOURCE_EXHAUSTED_CAUSE_SYSTEM_OVERLOADED ||
    cause === ResourceExhaustedCause.RESOURCE_EXHAUSTED_CAUSE_PERSISTENCE_LIMIT ||
    cause === ResourceExhaustedCause.RESOURCE_EXHAUSTED_CAUSE_PERSISTENCE_STORAGE_LIMIT ||
    cause === ResourceExhaustedCause.RESOURCE_EXHAUSTED_CAUSE_CIRCUIT_BREAKER_OPEN;
  return overload
    ? overloaded('Temporal is overloaded; retry later', original, RETRY_LATER)
    : overloaded('Temporal refused the request for now (a rate or concurrency limit); retry shortly', original, RETRY_SOON);
}

/** FAILED_PRECONDITION: a failing workflow task, the per-run update limit, an inactive namespace. */
function preconditionFailed(err: GrpcServiceError, original: unknown): ServiceError {
  const details = failureDetails(err);
  if (details.has('temporal.api.errordetails.v1.WorkflowNotReadyFailure') || /workflow task/i.test(err.details)) {
    return unavailable('service-worker', WORKER_CANNOT_ANSWER, original);
  }
  if (/limit on number of total updates/i.test(err.details)) {
    return overloaded('this callback has taken as many changes as one workflow run allows; retry later', original, RETRY_LATER);
  }
  return unavailable('temporal', 'Temporal cannot serve this request now (failed precondition); retry later', original);
}

/** By gRPC status code, for what the SDK classes did not already say. */
function byGrpcCode(err: GrpcServiceError, original: unknown): ServiceError | undefined {
  switch (err.code) {
    case GrpcStatus.DEADLINE_EXCEEDED:
    case GrpcStatus.UNAVAILABLE:
    case GrpcStatus.CANCELLED:
      return unavailable('temporal', TEMPORAL_DOWN, original);
    case GrpcStatus.ABORTED:
      return unavailable('temporal', 'Temporal aborted the request (a concurrent change or a shard move); retry', original, RETRY_SOON);
    case GrpcStatus.INTERNAL:
    case GrpcStatus.UNKNOWN:
    case GrpcStatus.DATA_LOSS:
      return unavailable('temporal', 'Temporal failed to serve the request; retry later', original);
    case GrpcStatus.UNAUTHENTICATED:
    case GrpcStatus.PERMISSION_DENIED:
      return unavailable('temporal', "Temporal refused the service's credentials for this request; the operator must fix them", original);
    case GrpcStatus.UNIMPLEMENTED:
      return unavailable('temporal', 'this Temporal server does not support a call the service makes (too old a version?)', original);
    case GrpcStatus.RESOURCE_EXHAUSTED:
      return exhausted(err, original);
    case GrpcStatus.FAILED_PRECONDITION:
      return preconditionFailed(err, original);
    case GrpcStatus.NOT_FOUND:
      if (/namespace/i.test(err.details)) return unavailable('temporal', 'the configured Temporal namespace does not exist', original);
      return notFound(undefined, original);
    case GrpcStatus.INVALID_ARGUMENT:
      // The size limits are the only refusal that depends on what the client sent (args within
      // MAX_ARGS_BYTES but above what this Temporal cluster stores).
      if (/size exceeds|exceeds size limit|size limit/i.test(err.details)) {
        return new ServiceError('PAYLOAD_TOO_LARGE', 'the callback is larger than Temporal accepts; send smaller args', undefined, { cause: original });
      }
      return undefined; // A query or request of ours Temporal refused: a bug.
    default:
      return undefined; // ALREADY_EXISTS (register handles it), OUT_OF_RANGE: not expected.
  }
}

/**
 * The API error an error from a Temporal call stands for, or undefined when it is
 * unexpected (a bug: the caller lets it become a logged 500). Our own ServiceErrors
 * come back unchanged.
 */
export function temporalErrorToServiceError(err: unknown): ServiceError | undefined {
  if (err instanceof ServiceError) return err;
  if (err instanceof WorkflowNotFoundError) return notFound(err.workflowId, err);
  if (err instanceof NamespaceNotFoundError) return unavailable('temporal', 'the configured Temporal namespace does not exist', err);
  if (err instanceof WorkflowUpdateFailedError) return updateRefused(err);
  if (err instanceof WorkflowUpdateRPCTimeoutOrCancelledError) return unavailable('temporal', TEMPORAL_DOWN, err);
  if (err instanceof QueryNotRegisteredError) {
    // Temporal answers INVALID_ARGUMENT when the workflow's query handler failed: a worker of another version.
    return unavailable('service-worker', 'the service worker could not answer for this callback; retry later', err);
  }
  if (err instanceof WorkflowContinuedAsNewError) {
    return unavailable('temporal', "the callback's workflow moved to a new run while it was read; retry", err, RETRY_SOON);
  }
  const grpc = grpcErrorOf(err);
  if (grpc) return byGrpcCode(grpc, err);
  if (isTemporalUnreachable(err)) return unavailable('temporal', TEMPORAL_DOWN, err);
  return undefined;
}
