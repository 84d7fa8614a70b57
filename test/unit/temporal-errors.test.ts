/**
 * Every Temporal error the facade may meet, by gRPC status code, Temporal failure detail and SDK
 * error class, and the API answer it becomes. Pure: the SDK's real error classes wrapping
 * gRPC-shaped errors (code, details, metadata with grpc-status-details-bin), as the SDK builds them.
 */
import {
  QueryNotRegisteredError,
  ServiceError as TemporalServiceError,
  WorkflowContinuedAsNewError,
  WorkflowFailedError,
  WorkflowUpdateFailedError,
  WorkflowUpdateRPCTimeoutOrCancelledError,
} from '@temporalio/client';
import { ApplicationFailure, NamespaceNotFoundError, WorkflowExecutionAlreadyStartedError, WorkflowNotFoundError } from '@temporalio/common';
import proto from '@temporalio/proto';
import Fastify from 'fastify';
import { describe, expect, it } from 'vitest';
import { CALLBACK_FAILED, CALLBACK_FINISHED, CALLBACK_RUNNING } from '../../workflows/contract.js';
import { ServiceError } from '../../server/errors.js';
import errorsPlugin from '../../server/plugins/errors.js';
import { GrpcStatus, temporalErrorToServiceError } from '../../server/temporal/errors.js';

const { google, temporal } = proto;
const { ResourceExhaustedCause, ResourceExhaustedScope } = temporal.api.enums.v1;
const NAMES = Object.fromEntries(Object.entries(GrpcStatus).map(([name, code]) => [code, name]));

/** A gRPC error as grpc-js hands it to the SDK, with Temporal's failure detail when given. */
function grpcError(code: number, details: string, failure?: { type: string; value: Uint8Array }) {
  const status = failure
    ? Buffer.from(google.rpc.Status.encode({ code, message: details, details: [{ type_url: `type.googleapis.com/temporal.api.errordetails.v1.${failure.type}`, value: failure.value }] }).finish())
    : undefined;
  const metadata = { get: (key: string) => (key === 'grpc-status-details-bin' && status ? [status] : []) };
  return Object.assign(new Error(`${code} ${NAMES[code]}: ${details}`), { code, details, metadata });
}

const notReady = { type: 'WorkflowNotReadyFailure', value: temporal.api.errordetails.v1.WorkflowNotReadyFailure.encode({}).finish() };
const exhausted = (cause: number) => ({
  type: 'ResourceExhaustedFailure',
  value: temporal.api.errordetails.v1.ResourceExhaustedFailure.encode({ cause, scope: ResourceExhaustedScope.RESOURCE_EXHAUSTED_SCOPE_NAMESPACE }).finish(),
});
/** How the SDK wraps a gRPC error it has no class for. */
const wrapped = (message: string, cause: Error) => new TemporalServiceError(message, { cause });
const refusal = (type: string, details?: unknown[]) =>
  new WorkflowUpdateFailedError('Workflow Update failed', ApplicationFailure.create({ type, message: type, details, nonRetryable: true }));

interface Expected {
  status: number;
  code: string;
  details?: unknown[];
  retryAfter?: number;
}

const cases: Array<[string, unknown, Expected]> = [
  // 503: Temporal itself cannot serve the request now.
  ['UNAVAILABLE', grpcError(GrpcStatus.UNAVAILABLE, 'connect ECONNREFUSED 10.1.2.3:7233'), { status: 503, code: 'DEPENDENCY_UNAVAILABLE', details: [{ dependency: 'temporal' }], retryAfter: 5 }],
  ['DEADLINE_EXCEEDED (SDK-wrapped)', wrapped('Failed to describe workflow', grpcError(GrpcStatus.DEADLINE_EXCEEDED, 'Deadline exceeded')), { status: 503, code: 'DEPENDENCY_UNAVAILABLE', details: [{ dependency: 'temporal' }], retryAfter: 5 }],
  ['CANCELLED', grpcError(GrpcStatus.CANCELLED, 'Cancelled on client'), { status: 503, code: 'DEPENDENCY_UNAVAILABLE', details: [{ dependency: 'temporal' }] }],
  ['ABORTED', wrapped('Workflow Update failed', grpcError(GrpcStatus.ABORTED, 'workflow update was aborted')), { status: 503, code: 'DEPENDENCY_UNAVAILABLE', details: [{ dependency: 'temporal' }], retryAfter: 1 }],
  ['INTERNAL', grpcError(GrpcStatus.INTERNAL, 'persistence failure'), { status: 503, code: 'DEPENDENCY_UNAVAILABLE', details: [{ dependency: 'temporal' }] }],
  ['UNKNOWN', grpcError(GrpcStatus.UNKNOWN, 'something'), { status: 503, code: 'DEPENDENCY_UNAVAILABLE', details: [{ dependency: 'temporal' }] }],
  ['DATA_LOSS', grpcError(GrpcStatus.DATA_LOSS, 'corrupted'), { status: 503, code: 'DEPENDENCY_UNAVAILABLE', details: [{ dependency: 'temporal' }] }],
  ['UNAUTHENTICATED', grpcError(GrpcStatus.UNAUTHENTICATED, 'bad api key'), { status: 503, code: 'DEPENDENCY_UNAVAILABLE', details: [{ dependency: 'temporal' }] }],
  ['PERMISSION_DENIED', grpcError(GrpcStatus.PERMISSION_DENIED, 'Request unauthorized.'), { status: 503, code: 'DEPENDENCY_UNAVAILABLE', details: [{ dependency: 'temporal' }] }],
  ['UNIMPLEMENTED', grpcError(GrpcStatus.UNIMPLEMENTED, 'unknown method'), { status: 503, code: 'DEPENDENCY_UNAVAILABLE', details: [{ dependency: 'temporal' }] }],
  ['FAILED_PRECONDITION (other)', grpcError(GrpcStatus.FAILED_PRECONDITION, 'Namespace default is not active'), { status: 503, code: 'DEPENDENCY_UNAVAILABLE', details: [{ dependency: 'temporal' }] }],
  ['NOT_FOUND of the namespace', grpcError(GrpcStatus.NOT_FOUND, 'Namespace nope is not found.'), { status: 503, code: 'DEPENDENCY_UNAVAILABLE', details: [{ dependency: 'temporal' }] }],
  ['NamespaceNotFoundError', new NamespaceNotFoundError('nope'), { status: 503, code: 'DEPENDENCY_UNAVAILABLE', details: [{ dependency: 'temporal' }] }],
  ['WorkflowUpdateRPCTimeoutOrCancelledError', new WorkflowUpdateRPCTimeoutOrCancelledError('timeout', { cause: grpcError(GrpcStatus.DEADLINE_EXCEEDED, 'Deadline exceeded') }), { status: 503, code: 'DEPENDENCY_UNAVAILABLE', details: [{ dependency: 'temporal' }] }],
  ['WorkflowContinuedAsNewError', new WorkflowContinuedAsNewError('Workflow execution continued as new', 'run-2'), { status: 503, code: 'DEPENDENCY_UNAVAILABLE', details: [{ dependency: 'temporal' }], retryAfter: 1 }],
  ['a connection that never came up', new Error('Failed to connect before the deadline'), { status: 503, code: 'DEPENDENCY_UNAVAILABLE', details: [{ dependency: 'temporal' }] }],

  // 503: the service worker cannot run the callback's workflow (a failing workflow task, another version).
  ['FAILED_PRECONDITION WorkflowNotReady on a query', wrapped('Failed to query Workflow', grpcError(GrpcStatus.FAILED_PRECONDITION, 'Unable to query workflow due to Workflow Task in failed state.', notReady)), { status: 503, code: 'DEPENDENCY_UNAVAILABLE', details: [{ dependency: 'service-worker' }], retryAfter: 5 }],
  ['FAILED_PRECONDITION failing task on an update (message only)', wrapped('Workflow Update failed', grpcError(GrpcStatus.FAILED_PRECONDITION, 'Unable to perform workflow execution update due to Workflow Task in failed state.')), { status: 503, code: 'DEPENDENCY_UNAVAILABLE', details: [{ dependency: 'service-worker' }] }],
  ['QueryNotRegisteredError (the query failed in the worker)', new QueryNotRegisteredError('Workflow did not register a handler for getState', GrpcStatus.INVALID_ARGUMENT), { status: 503, code: 'DEPENDENCY_UNAVAILABLE', details: [{ dependency: 'service-worker' }] }],
  ['WorkflowUpdateFailedError not of ours', new WorkflowUpdateFailedError('Workflow Update failed', ApplicationFailure.create({ message: "Workflow Update is rejected because it wasn't processed by worker." })), { status: 503, code: 'DEPENDENCY_UNAVAILABLE', details: [{ dependency: 'service-worker' }], retryAfter: 1 }],

  // 429: one of Temporal's limits.
  ['RESOURCE_EXHAUSTED rate limit', grpcError(GrpcStatus.RESOURCE_EXHAUSTED, 'namespace rate limit exceeded', exhausted(ResourceExhaustedCause.RESOURCE_EXHAUSTED_CAUSE_RPS_LIMIT)), { status: 429, code: 'OVERLOADED', details: [{ dependency: 'temporal' }], retryAfter: 1 }],
  ['RESOURCE_EXHAUSTED in-flight updates of one run', wrapped('Workflow Update failed', grpcError(GrpcStatus.RESOURCE_EXHAUSTED, 'limit on number of concurrent in-flight updates has been reached (10)', exhausted(ResourceExhaustedCause.RESOURCE_EXHAUSTED_CAUSE_CONCURRENT_LIMIT))), { status: 429, code: 'OVERLOADED', retryAfter: 1 }],
  ['RESOURCE_EXHAUSTED busy (closing) workflow', grpcError(GrpcStatus.RESOURCE_EXHAUSTED, 'workflow operation can not be applied because workflow is closing', exhausted(ResourceExhaustedCause.RESOURCE_EXHAUSTED_CAUSE_BUSY_WORKFLOW)), { status: 429, code: 'OVERLOADED', retryAfter: 1 }],
  ['RESOURCE_EXHAUSTED system overloaded', grpcError(GrpcStatus.RESOURCE_EXHAUSTED, 'system overloaded', exhausted(ResourceExhaustedCause.RESOURCE_EXHAUSTED_CAUSE_SYSTEM_OVERLOADED)), { status: 429, code: 'OVERLOADED', retryAfter: 5 }],
  ['RESOURCE_EXHAUSTED without details', grpcError(GrpcStatus.RESOURCE_EXHAUSTED, 'limit exceeded'), { status: 429, code: 'OVERLOADED', retryAfter: 1 }],
  ['FAILED_PRECONDITION the per-run update limit', wrapped('Workflow Update failed', grpcError(GrpcStatus.FAILED_PRECONDITION, 'limit on number of total updates has been reached (2000)')), { status: 429, code: 'OVERLOADED', details: [{ dependency: 'temporal' }], retryAfter: 5 }],

  // 409: the callback's state refused the change.
  ['WorkflowUpdateFailedError CALLBACK_RUNNING', refusal(CALLBACK_RUNNING), { status: 409, code: 'CALLBACK_RUNNING' }],
  ['WorkflowUpdateFailedError CALLBACK_FINISHED', refusal(CALLBACK_FINISHED, [{ status: 'succeeded' }]), { status: 409, code: 'CALLBACK_FINISHED', details: [{ status: 'succeeded' }] }],

  // 404: it does not exist (any more).
  ['WorkflowNotFoundError', new WorkflowNotFoundError('workflow not found', 'callback:orders:abc-1', undefined), { status: 404, code: 'CALLBACK_NOT_FOUND' }],
  ['NOT_FOUND (raw call)', grpcError(GrpcStatus.NOT_FOUND, 'workflow execution not found'), { status: 404, code: 'CALLBACK_NOT_FOUND' }],

  // 413: larger than this Temporal cluster stores.
  ['INVALID_ARGUMENT blob size', wrapped('Failed to start Workflow', grpcError(GrpcStatus.INVALID_ARGUMENT, 'Blob data size exceeds limit.')), { status: 413, code: 'PAYLOAD_TOO_LARGE' }],
  ['RESOURCE_EXHAUSTED gRPC message size', grpcError(GrpcStatus.RESOURCE_EXHAUSTED, 'Received message larger than max (5000000 vs 4194304)'), { status: 413, code: 'PAYLOAD_TOO_LARGE' }],
];

describe('Temporal errors become API errors', () => {
  it.each(cases)('%s', (_name, error, expected) => {
    const mapped = temporalErrorToServiceError(error);
    expect(mapped).toBeInstanceOf(ServiceError);
    expect({ status: mapped!.statusCode, code: mapped!.code }).toEqual({ status: expected.status, code: expected.code });
    if (expected.details) expect(mapped!.details).toEqual(expected.details);
    if (expected.retryAfter) expect(mapped!.retryAfterSeconds).toBe(expected.retryAfter);
    if (expected.status === 429 || expected.status === 503) expect(mapped!.retryAfterSeconds).toBeGreaterThan(0);
    expect(mapped!.cause).toBe(error); // kept for the log
  });

  it('names the callback a WorkflowNotFoundError is about', () => {
    expect(temporalErrorToServiceError(new WorkflowNotFoundError('gone', 'callback:orders:abc-1', undefined))!.message).toBe('app "orders" has no callback "abc-1"');
  });

  it("never repeats Temporal's own text (it may name internal addresses)", () => {
    for (const [, error] of cases) {
      const message = temporalErrorToServiceError(error)!.message;
      expect(message).not.toMatch(/10\.1\.2\.3|ECONNREFUSED|persistence|Namespace default/);
    }
  });

  it('returns our own errors unchanged', () => {
    const ours = new ServiceError('VALIDATION_FAILED', 'x');
    expect(temporalErrorToServiceError(ours)).toBe(ours);
  });

  it.each<[string, unknown]>([
    ['INVALID_ARGUMENT of a query of ours', grpcError(GrpcStatus.INVALID_ARGUMENT, "invalid query: unknown column 'Foo'")],
    ['ALREADY_EXISTS (register interprets it)', new WorkflowExecutionAlreadyStartedError('started', 'callback:a:b', 'delayCallback')],
    ['OUT_OF_RANGE', grpcError(GrpcStatus.OUT_OF_RANGE, 'out of range')],
    ['WorkflowFailedError (the service reads outcomes itself)', new WorkflowFailedError('failed', ApplicationFailure.create({ type: CALLBACK_FAILED }), 'NON_RETRYABLE_FAILURE')],
    ['a plain bug', new TypeError("Cannot read properties of undefined (reading 'x')")],
  ])('leaves the unexpected unmapped (a logged 500): %s', (_name, error) => {
    expect(temporalErrorToServiceError(error)).toBeUndefined();
  });
});

describe('the error plugin', () => {
  it('answers a Temporal error thrown by a route with its mapping, envelope and Retry-After', async () => {
    const app = Fastify({ logger: false });
    await app.register(errorsPlugin);
    app.get('/query', async () => {
      throw wrapped('Failed to query Workflow', grpcError(GrpcStatus.FAILED_PRECONDITION, 'Unable to query workflow due to Workflow Task in failed state.', notReady));
    });
    app.get('/limit', async () => {
      throw grpcError(GrpcStatus.RESOURCE_EXHAUSTED, 'namespace rate limit exceeded', exhausted(ResourceExhaustedCause.RESOURCE_EXHAUSTED_CAUSE_RPS_LIMIT));
    });
    app.get('/bug', async () => {
      throw new TypeError('a bug');
    });
    const query = await app.inject({ url: '/query' });
    expect(query.statusCode).toBe(503);
    expect(query.headers['retry-after']).toBe('5');
    expect(query.json().error).toMatchObject({ code: 'DEPENDENCY_UNAVAILABLE', details: [{ dependency: 'service-worker' }] });
    const limit = await app.inject({ url: '/limit' });
    expect(limit.statusCode).toBe(429);
    expect(limit.headers['retry-after']).toBe('1');
    expect(limit.json().error.code).toBe('OVERLOADED');
    const bug = await app.inject({ url: '/bug' });
    expect(bug.statusCode).toBe(500);
    expect(bug.json().error.code).toBe('INTERNAL_ERROR');
    await app.close();
  });
});
