/**
 * OpenTelemetry end to end, with an in-memory exporter: one registration gives a span for
 * the HTTP request (and Temporal's StartWorkflow under it), and a fire that is a trace of its
 * own: the workflow, the attempt (StartActivity, RunActivity on the app's worker) and the
 * handler, with links from the fire to the registration's span. Spans carry identities,
 * never args. The tracing interceptors also replay every recorded history, so turning
 * tracing on never breaks a callback already running.
 */
import { randomBytes } from 'node:crypto';
import { SpanKind, trace } from '@opentelemetry/api';
import { node, tracing as sdk } from '@opentelemetry/sdk-node';
import { Worker } from '@temporalio/worker';
import { DeterminismViolationError } from '@temporalio/workflow';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DelayCallbackClient } from '../../client-sdk/index.js';
import { waitFor } from '../../scripts/lib/wait-for.js';
import { startTracing, type Tracing } from '../../server/tracing/index.js';
import { callbackWorkflowId } from '../../workflows/contract.js';
import { createNamespace } from '../helpers/namespace.js';
import { recordedHistories } from '../helpers/recorded-histories.js';
import { waitForStatus } from '../helpers/recorder.js';
import { startTestStack, uniqueName, type TestStack } from '../helpers/stack.js';
import { workflowBundle } from '../helpers/workflow-bundles.js';

const exporter = new sdk.InMemorySpanExporter();
let tracing: Tracing;
let bundle: { code: string };
let stack: TestStack;
let client: DelayCallbackClient;

beforeAll(async () => {
  const provider = new node.NodeTracerProvider({ spanProcessors: [new sdk.SimpleSpanProcessor(exporter)] });
  tracing = (await startTracing({ serviceName: 'delay-callback-test' }, { process: 'facade', tracerProvider: provider }))!;
  const namespace = await createNamespace('traced');
  bundle = await workflowBundle({ traced: true });
  stack = await startTestStack({ env: { TEMPORAL_NAMESPACE: namespace }, workflowBundle: bundle, tracing });
  client = stack.client(uniqueName('traced'));
  client.define('greet', async () => 'hello');
  await client.start();
}, 180_000);
afterAll(async () => {
  await stack?.close();
  await tracing?.shutdown();
});

const spans = (): sdk.ReadableSpan[] => exporter.getFinishedSpans();
const named = (name: string, test: (span: sdk.ReadableSpan) => boolean = () => true): sdk.ReadableSpan | undefined =>
  spans().find((span) => span.name === name && test(span));

describe('one registration, one fire', () => {
  it('traces the HTTP request, the workflow, the attempt and the handler, the fire linked to the registration', async () => {
    const secret = `args-${randomBytes(6).toString('hex')}`;
    const { uid } = await client.register({ alias: 'greet', args: { secret }, delaySeconds: 1 });
    await waitForStatus(client, uid, 'succeeded');
    const workflowId = callbackWorkflowId(client.app, uid);
    const ofThis = (span: sdk.ReadableSpan): boolean =>
      span.attributes.temporalWorkflowId === workflowId || span.attributes.workflowId === workflowId || span.attributes['delay_callback.uid'] === uid;

    // Workflow spans leave the sandbox when they end (the workflow's with the workflow).
    const found = await waitFor('every span of the callback', async () => {
      const http = named('POST /v1/apps/:app/callbacks', (span) => span.attributes['delay_callback.app'] === client.app);
      const start = named('StartWorkflow:delayCallback', ofThis);
      const run = named('RunWorkflow:delayCallback', ofThis);
      const startActivity = named('StartActivity:invokeCallback', ofThis);
      const runActivity = named('RunActivity:invokeCallback', ofThis);
      const handler = named('RunHandler:greet', ofThis);
      return http && start && run && startActivity && runActivity && handler ? { http, start, run, startActivity, runActivity, handler } : undefined;
    }, { timeoutMs: 20_000, intervalMs: 100 });
    const { http, start, run, startActivity, runActivity, handler } = found;

    // The registration: the HTTP request span (a server span with its route), StartWorkflow in its trace.
    expect(http.kind).toBe(SpanKind.SERVER);
    expect(http.attributes).toMatchObject({ 'http.route': '/v1/apps/:app/callbacks', 'http.request.method': 'POST', 'http.response.status_code': 201 });
    expect(start.spanContext().traceId).toBe(http.spanContext().traceId);
    const registrationTrace = http.spanContext().traceId;

    // The fire: a trace of its own, rooted at the workflow's span, linked to the registration.
    const fireTrace = run.spanContext().traceId;
    expect(fireTrace).not.toBe(registrationTrace);
    expect(run.parentSpanId).toBeUndefined();
    expect(run.links).toEqual([{ context: expect.objectContaining({ traceId: registrationTrace, spanId: start.spanContext().spanId }), attributes: { 'delay_callback.link': 'registration' } }]);
    expect(run.attributes).toMatchObject({ 'delay_callback.app': client.app, 'delay_callback.uid': uid, 'delay_callback.alias': 'greet', workflowId });
    // The attempt: scheduled by the workflow, run on the app's worker; the handler inside it.
    expect(startActivity.spanContext().traceId).toBe(fireTrace);
    expect(startActivity.parentSpanId).toBe(run.spanContext().spanId);
    expect(runActivity.spanContext().traceId).toBe(fireTrace);
    expect(runActivity.parentSpanId).toBe(startActivity.spanContext().spanId);
    expect(handler.spanContext().traceId).toBe(fireTrace);
    expect(handler.parentSpanId).toBe(runActivity.spanContext().spanId);
    expect(handler.links).toEqual([{ context: expect.objectContaining({ traceId: registrationTrace, spanId: start.spanContext().spanId }), attributes: { 'delay_callback.link': 'registration' } }]);
    expect(handler.attributes).toMatchObject({ 'delay_callback.app': client.app, 'delay_callback.alias': 'greet', 'delay_callback.attempt': 1 });
    expect(handler.status.code).toBe(1); // OK

    // Identities only: neither the args nor the (decoded) memo reach a span.
    for (const span of spans()) {
      expect(JSON.stringify(span.attributes), span.name).not.toContain(secret);
      expect(Object.keys(span.attributes), span.name).not.toContain('memo');
    }
  });

  it('links every attempt of a retried callback, and marks the failed handler span', async () => {
    let calls = 0;
    client.define('flaky', async () => {
      calls += 1;
      if (calls === 1) throw new Error('first attempt fails');
      return true;
    });
    const { uid } = await client.register({ alias: 'flaky', delaySeconds: 0, retry: { maxAttempts: 2, backoff: 'fixed', intervalSeconds: 1 } });
    await waitForStatus(client, uid, 'succeeded');
    const handlers = await waitFor('two handler spans', async () => {
      const found = spans().filter((span) => span.name === 'RunHandler:flaky' && span.attributes['delay_callback.uid'] === uid);
      return found.length === 2 ? found.sort((a, b) => Number(a.attributes['delay_callback.attempt']) - Number(b.attributes['delay_callback.attempt'])) : undefined;
    }, { timeoutMs: 20_000, intervalMs: 100 });
    expect(handlers.map((span) => span.status.code)).toEqual([2, 1]); // ERROR, then OK
    expect(handlers[0]?.status.message).toBe('first attempt fails');
    expect(new Set(handlers.map((span) => span.spanContext().traceId)).size).toBe(1);
    for (const span of handlers) expect(span.links).toHaveLength(1);
  });
});

describe('acting on a callback through the API', () => {
  it('traces the request down into the workflow: PATCH, its update, the workflow\'s handling of it', async () => {
    const { uid } = await client.register({ alias: 'greet', delaySeconds: 3_600 });
    await client.reschedule(uid, { delaySeconds: 7_200 });
    const found = await waitFor('the reschedule\'s spans', async () => {
      const patch = named('PATCH /v1/apps/:app/callbacks/:uid', (span) => span.attributes['delay_callback.app'] === client.app);
      const update = named('StartWorkflowUpdate:reschedule', (span) => span.spanContext().traceId === patch?.spanContext().traceId);
      const handled = named('HandleUpdate:reschedule', (span) => span.spanContext().traceId === patch?.spanContext().traceId);
      return patch && update && handled ? { update, handled } : undefined;
    }, { timeoutMs: 20_000, intervalMs: 100 });
    expect(found.handled.parentSpanId).toBe(found.update.spanContext().spanId);
    await client.unregister(uid);
  });
});

describe('the tracing interceptors', () => {
  it('replay every recorded history (tracing can be turned on under callbacks already running)', async () => {
    const outcome: Record<string, string> = {};
    const sinks = {
      callbackMetrics: { attemptFinished: { fn: () => undefined }, fired: { fn: () => undefined }, finished: { fn: () => undefined } },
      exporter: { export: { fn: () => undefined } },
    };
    const histories = recordedHistories();
    expect(histories.length).toBeGreaterThan(5);
    for await (const result of Worker.runReplayHistories({ workflowBundle: bundle, sinks, replayName: 'delay-callback-traced-replay' }, histories)) {
      outcome[result.workflowId] = result.error ? `${result.error instanceof DeterminismViolationError ? 'nondeterministic' : 'error'}: ${result.error.message.slice(0, 200)}` : 'ok';
    }
    expect(outcome).toEqual(Object.fromEntries(histories.map(({ workflowId }) => [workflowId, 'ok'])));
  });

  it('run under the tracer provider startTracing was given, which it registered globally', () => {
    expect(trace.getTracer('probe').startSpan('probe').isRecording()).toBe(true);
  });
});
