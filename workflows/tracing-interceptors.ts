/**
 * Workflow interceptors for OpenTelemetry, bundled only when tracing is on
 * (server/tracing). Temporal's own interceptors, with one change: a callback's
 * fire is a trace of its own. Its `RunWorkflow` span starts a new trace with a
 * LINK to the registration's span (which ended when the HTTP request did, maybe
 * months before) instead of being that span's child; its attempts and its
 * continued runs carry the registration's context on (REGISTRATION_TRACE_HEADER),
 * so the SDK's handler span links to it too. Spans leave the workflow sandbox
 * through the `exporter` sink, never during replay.
 *
 * Deterministic like all workflow code: span and trace ids come from the
 * workflow's seeded random generator, times from the workflow clock.
 */
import * as otel from '@opentelemetry/api';
import type { Headers, Payload } from '@temporalio/common';
import { TRACE_HEADER, extractContextFromHeaders } from '@temporalio/interceptors-opentelemetry/lib/instrumentation.js';
import {
  OpenTelemetryInboundInterceptor,
  OpenTelemetryInternalsInterceptor,
  OpenTelemetryOutboundInterceptor,
} from '@temporalio/interceptors-opentelemetry/lib/workflow/index.js';
import {
  ContinueAsNew,
  workflowInfo,
  type ActivityInput,
  type ContinueAsNewInput,
  type LocalActivityInput,
  type Next,
  type WorkflowExecuteInput,
  type WorkflowInboundCallsInterceptor,
  type WorkflowInterceptorsFactory,
  type WorkflowOutboundCallsInterceptor,
} from '@temporalio/workflow';
import { REGISTRATION_LINK_ATTRIBUTES, REGISTRATION_TRACE_HEADER } from './trace-context.js';

/** This run's registration context (module state is per workflow run in the sandbox). */
let registration: Payload | undefined;

/** The fields of a callback's input that are safe as span attributes (never its args). */
interface CallbackIdentity {
  app?: unknown;
  uid?: unknown;
  alias?: unknown;
  triggerAt?: unknown;
}

class FireInboundInterceptor extends OpenTelemetryInboundInterceptor {
  override async execute(input: WorkflowExecuteInput, next: Next<WorkflowInboundCallsInterceptor, 'execute'>): Promise<unknown> {
    registration = input.headers[REGISTRATION_TRACE_HEADER] ?? input.headers[TRACE_HEADER];
    const linked = registration === undefined ? undefined : otel.trace.getSpanContext(extractContextFromHeaders({ [TRACE_HEADER]: registration }) ?? otel.ROOT_CONTEXT);
    const options: otel.SpanOptions = {
      root: true,
      attributes: identityAttributes(input.args[0] as CallbackIdentity | undefined),
      links: linked && otel.isSpanContextValid(linked) ? [{ context: linked, attributes: REGISTRATION_LINK_ATTRIBUTES }] : [],
    };
    return this.tracer.startActiveSpan(`RunWorkflow:${workflowInfo().workflowType}`, options, async (span) => {
      try {
        const result = await next(input);
        span.setStatus({ code: otel.SpanStatusCode.OK });
        return result;
      } catch (err) {
        if (err instanceof ContinueAsNew) {
          span.setStatus({ code: otel.SpanStatusCode.OK });
        } else {
          span.setStatus({ code: otel.SpanStatusCode.ERROR, message: err instanceof Error ? err.message : String(err) });
          span.recordException(err instanceof Error ? err : String(err));
        }
        throw err;
      } finally {
        span.end();
      }
    });
  }
}

class FireOutboundInterceptor extends OpenTelemetryOutboundInterceptor {
  override async scheduleActivity(input: ActivityInput, next: Next<WorkflowOutboundCallsInterceptor, 'scheduleActivity'>): Promise<unknown> {
    return super.scheduleActivity(withRegistration(input), next);
  }

  override async scheduleLocalActivity(input: LocalActivityInput, next: Next<WorkflowOutboundCallsInterceptor, 'scheduleLocalActivity'>): Promise<unknown> {
    return super.scheduleLocalActivity(withRegistration(input), next);
  }

  override async continueAsNew(input: ContinueAsNewInput, next: Next<WorkflowOutboundCallsInterceptor, 'continueAsNew'>): Promise<never> {
    return super.continueAsNew(withRegistration(input), next);
  }
}

function withRegistration<T extends { headers: Headers }>(input: T): T {
  return registration === undefined ? input : { ...input, headers: { ...input.headers, [REGISTRATION_TRACE_HEADER]: registration } };
}

function identityAttributes(callback: CallbackIdentity | undefined): otel.Attributes {
  const attributes: otel.Attributes = {};
  for (const field of ['app', 'uid', 'alias', 'triggerAt'] as const) {
    const value = callback?.[field];
    if (typeof value === 'string') attributes[`delay_callback.${field === 'triggerAt' ? 'trigger_at' : field}`] = value;
  }
  return attributes;
}

export const interceptors: WorkflowInterceptorsFactory = () => ({
  inbound: [new FireInboundInterceptor()],
  outbound: [new FireOutboundInterceptor()],
  internals: [new OpenTelemetryInternalsInterceptor()],
});
