/**
 * OpenTelemetry for an app worker, loaded only when its `tracing` option is on
 * (worker.ts imports this module dynamically): Temporal's activity interceptors
 * (a `RunActivity:invokeCallback` span per attempt, a child of the workflow's
 * `StartActivity` span) and one span around each handler call, linked to the
 * registration's trace. Spans go to the tracer provider the application
 * registered (its own OpenTelemetry SDK); without one they are no-ops.
 */
import * as otel from '@opentelemetry/api';
import { TRACE_HEADER, extractContextFromHeaders } from '@temporalio/interceptors-opentelemetry/lib/instrumentation.js';
import {
  OpenTelemetryActivityInboundInterceptor,
  OpenTelemetryActivityOutboundInterceptor,
} from '@temporalio/interceptors-opentelemetry/lib/worker/index.js';
import type { ActivityExecuteInput, ActivityInboundCallsInterceptor, ActivityInterceptorsFactory, Next } from '@temporalio/worker';
import type { CallbackHandler } from '../activities/invoke-callback.js';
import type { CallbackRequest } from '../workflows/contract.js';
import { REGISTRATION_LINK_ATTRIBUTES, REGISTRATION_TRACE_HEADER } from '../workflows/trace-context.js';

const TRACER_NAME = 'delay-callback';
/** The registration's span context, from the attempt's header to the handler span. */
const REGISTRATION = otel.createContextKey('delay-callback registration span');

/** Activity interceptors of an app worker with tracing on. */
export function tracingActivityInterceptors(): ActivityInterceptorsFactory[] {
  return [
    () => ({ inbound: new RegistrationContextInterceptor() }),
    (ctx) => ({ inbound: new OpenTelemetryActivityInboundInterceptor(ctx), outbound: new OpenTelemetryActivityOutboundInterceptor(ctx) }),
  ];
}

/** Puts the registration's span context (from the attempt's header) where the handler span finds it. */
class RegistrationContextInterceptor implements ActivityInboundCallsInterceptor {
  async execute(input: ActivityExecuteInput, next: Next<ActivityInboundCallsInterceptor, 'execute'>): Promise<unknown> {
    const header = input.headers[REGISTRATION_TRACE_HEADER];
    const extracted = header === undefined ? undefined : extractContextFromHeaders({ [TRACE_HEADER]: header });
    const registration = extracted === undefined ? undefined : otel.trace.getSpanContext(extracted);
    if (!registration || !otel.isSpanContextValid(registration)) return next(input);
    return otel.context.with(otel.context.active().setValue(REGISTRATION, registration), () => next(input));
  }
}

/**
 * The handlers, each call wrapped in a `RunHandler:<alias>` span (a child of the attempt's
 * `RunActivity` span, linked to the registration). A view: handlers defined later are seen.
 */
export function tracedHandlers(handlers: ReadonlyMap<string, CallbackHandler>): ReadonlyMap<string, CallbackHandler> {
  const tracer = otel.trace.getTracer(TRACER_NAME);
  const wrapped = new WeakMap<CallbackHandler, CallbackHandler>();
  const traced = (alias: string, handler: CallbackHandler): CallbackHandler => {
    let found = wrapped.get(handler);
    if (!found) {
      found = (request) => runInSpan(tracer, alias, request, () => handler(request));
      wrapped.set(handler, found);
    }
    return found;
  };
  return new Proxy(handlers, {
    get(target, property) {
      if (property === 'get') {
        return (alias: string) => {
          const handler = target.get(alias);
          return handler && traced(alias, handler);
        };
      }
      const value: unknown = Reflect.get(target, property, target);
      return typeof value === 'function' ? value.bind(target) : value;
    },
  });
}

async function runInSpan<T>(tracer: otel.Tracer, alias: string, request: CallbackRequest, run: () => T | Promise<T>): Promise<T> {
  const registration = otel.context.active().getValue(REGISTRATION) as otel.SpanContext | undefined;
  const options: otel.SpanOptions = {
    attributes: {
      'delay_callback.app': request.app,
      'delay_callback.uid': request.uid,
      'delay_callback.alias': alias,
      'delay_callback.attempt': request.attempt,
      'delay_callback.trigger_at': request.triggerAt,
    },
    links: registration ? [{ context: registration, attributes: REGISTRATION_LINK_ATTRIBUTES }] : [],
  };
  return tracer.startActiveSpan(`RunHandler:${alias}`, options, async (span) => {
    try {
      const result = await run();
      if (result === false) span.setStatus({ code: otel.SpanStatusCode.ERROR, message: 'the handler returned false' });
      else span.setStatus({ code: otel.SpanStatusCode.OK });
      return result;
    } catch (err) {
      span.setStatus({ code: otel.SpanStatusCode.ERROR, message: err instanceof Error ? err.message : String(err) });
      span.recordException(err instanceof Error ? err : String(err));
      throw err;
    } finally {
      span.end();
    }
  });
}
