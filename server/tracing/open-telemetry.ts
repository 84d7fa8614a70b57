/**
 * Tracing on: the OpenTelemetry SDK (NodeSDK, exporting as the standard OTEL_*
 * variables say: OTLP over http/protobuf by default), the HTTP request spans of
 * the facade (@fastify/otel), and Temporal's interceptors for the client, the
 * workflows (bundled, see workflows/tracing-interceptors.ts) and the activities.
 * Imported only through ./index.ts, only when tracing is on.
 */
import fastifyOtel from '@fastify/otel';
import { trace, type ProxyTracerProvider } from '@opentelemetry/api';
import { NodeSDK, resources, type tracing } from '@opentelemetry/sdk-node';
import {
  makeWorkflowExporter,
  OpenTelemetryActivityInboundInterceptor,
  OpenTelemetryActivityOutboundInterceptor,
} from '@temporalio/interceptors-opentelemetry/lib/worker/index.js';
import { OpenTelemetryWorkflowClientInterceptor } from '@temporalio/interceptors-opentelemetry/lib/client/index.js';
import type { InjectedSinks } from '@temporalio/worker';
import type { WorkflowInfo } from '@temporalio/workflow';
import type { FastifyRequest } from 'fastify';
import type { TracingConfig } from '../config.js';
import { tracingInterceptorsPath, type StartTracingOptions, type Tracing } from './index.js';

/** Paths whose requests get no span: probes, scrapes, the API docs. */
const UNTRACED_PATHS = /^\/(?:healthz|readyz|metrics|docs|openapi\.json)(?:[/?]|$)/;

export async function startOpenTelemetry(config: TracingConfig, options: StartTracingOptions): Promise<Tracing> {
  let sdk: NodeSDK | undefined;
  let provider = options.tracerProvider as tracing.BasicTracerProvider | undefined;
  if (provider) {
    provider.register();
  } else {
    sdk = new NodeSDK({
      serviceName: config.serviceName,
      resource: new resources.Resource({ 'delay_callback.process': options.process }),
    });
    sdk.start();
    // NodeSDK registers its provider globally; the workflow span sink feeds the same processors.
    provider = (trace.getTracerProvider() as ProxyTracerProvider).getDelegate() as tracing.BasicTracerProvider;
  }
  if (typeof provider.getActiveSpanProcessor !== 'function') {
    await sdk?.shutdown();
    throw new Error('tracing is on, but the OpenTelemetry SDK set up no span exporter (see OTEL_TRACES_EXPORTER)');
  }
  const processor = provider.getActiveSpanProcessor();

  return {
    clientInterceptors: { workflow: [new OpenTelemetryWorkflowClientInterceptor()] },
    worker: {
      workflowInterceptorModules: [tracingInterceptorsPath()],
      activityInterceptors: [
        (ctx) => ({ inbound: new OpenTelemetryActivityInboundInterceptor(ctx), outbound: new OpenTelemetryActivityOutboundInterceptor(ctx) }),
      ],
      sinks: workflowSpanSink(processor, provider.resource),
    },
    async registerHttp(app) {
      const instrumentation = new fastifyOtel.FastifyOtelInstrumentation({
        // One span per request (and one for its handler), not one per hook.
        instrumentHooks: false,
        ignorePaths: ({ url }) => UNTRACED_PATHS.test(url),
        requestHook: (span, request) => {
          span.updateName(`${request.method} ${request.routeOptions.url ?? 'unmatched'}`);
          const app = (request.params as { app?: unknown } | undefined)?.app;
          if (typeof app === 'string') span.setAttribute('delay_callback.app', app);
          span.setAttribute('http.request_id', (request as FastifyRequest).id);
        },
      });
      await app.register(instrumentation.plugin());
    },
    async shutdown() {
      if (sdk) await sdk.shutdown();
      else await provider.forceFlush();
    },
  };
}

/**
 * Temporal's workflow span sink, given only a workflow's identity: it merges whatever info it gets
 * into every span's attributes, and the whole info holds the decoded memo (args preview included).
 */
function workflowSpanSink(processor: tracing.SpanProcessor, resource: resources.IResource): InjectedSinks<any> {
  const sink = makeWorkflowExporter(processor, resource as Parameters<typeof makeWorkflowExporter>[1]);
  return {
    exporter: {
      export: {
        ...sink.export,
        fn: (info: WorkflowInfo, spans: Parameters<typeof sink.export.fn>[1]) => {
          const { workflowId, runId, workflowType, taskQueue, namespace } = info;
          return sink.export.fn({ workflowId, runId, workflowType, taskQueue, namespace } as WorkflowInfo, spans);
        },
      },
    },
  };
}
