/**
 * Tracing as production turns it on: only the standard OTEL_* variables, the OpenTelemetry
 * SDK started by the service, and OTLP over HTTP to a collector (here a local HTTP server
 * that keeps what it receives): the spans of the registration, the workflow (through the
 * sink), the attempt and the handler all arrive, under the configured service name.
 */
import { createServer, type Server } from 'node:http';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { loadConfig } from '../../server/config.js';
import { startTracing, type Tracing } from '../../server/tracing/index.js';
import { waitFor } from '../../scripts/lib/wait-for.js';
import { listenOnFreePort } from '../helpers/listen.js';
import { createNamespace } from '../helpers/namespace.js';
import { waitForStatus } from '../helpers/recorder.js';
import { startTestStack, testEnv, uniqueName, type TestStack } from '../helpers/stack.js';
import { workflowBundle } from '../helpers/workflow-bundles.js';

const SERVICE_NAME = 'delay-callback-otlp-test';
const received: Buffer[] = [];
let collector: Server;
let tracing: Tracing;
let stack: TestStack;

beforeAll(async () => {
  collector = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      if (request.method === 'POST' && request.url === '/v1/traces') received.push(Buffer.concat(chunks));
      response.writeHead(200, { 'content-type': 'application/x-protobuf' }).end();
    });
  });
  const port = await listenOnFreePort(collector);
  const otel = { OTEL_EXPORTER_OTLP_ENDPOINT: `http://127.0.0.1:${port}`, OTEL_SERVICE_NAME: SERVICE_NAME };
  // The OpenTelemetry SDK reads the process environment itself, as it does in production.
  Object.assign(process.env, otel, { OTEL_BSP_SCHEDULE_DELAY: '200' });
  const config = loadConfig(testEnv(otel));
  expect(config.tracing).toEqual({ serviceName: SERVICE_NAME });
  tracing = (await startTracing(config.tracing, { process: 'facade' }))!;
  const [namespace, bundle] = await Promise.all([createNamespace('otlp'), workflowBundle({ traced: true })]);
  stack = await startTestStack({ env: { ...otel, TEMPORAL_NAMESPACE: namespace }, workflowBundle: bundle, tracing });
}, 180_000);
afterAll(async () => {
  await stack?.close();
  await tracing?.shutdown();
  collector?.close();
});

it('exports the spans of a registration and its fire over OTLP/HTTP', async () => {
  const client = stack.client(uniqueName('otlp'));
  client.define('ping', async () => 'pong');
  await client.start();
  const { uid } = await client.register({ alias: 'ping', delaySeconds: 0 });
  await waitForStatus(client, uid, 'succeeded');
  // OTLP protobuf keeps strings as they are: span names, attribute values, the service name.
  const expected = ['POST /v1/apps/:app/callbacks', 'StartWorkflow:delayCallback', 'RunWorkflow:delayCallback', 'StartActivity:invokeCallback', 'RunActivity:invokeCallback', 'RunHandler:ping', SERVICE_NAME, uid];
  await waitFor('every span at the collector', async () => {
    const all = Buffer.concat(received);
    return expected.every((text) => all.includes(text)) ? true : undefined;
  }, { timeoutMs: 20_000, intervalMs: 200 });
});
