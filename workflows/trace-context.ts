/**
 * The trace context of a callback's registration travels with the callback: Temporal's
 * OpenTelemetry interceptors put it in the start header (`_tracer-data`); the tracing
 * interceptors of this project (workflows/tracing-interceptors.ts) copy it under this
 * header to every attempt and every continued run, where the fire's spans link to it.
 * Its value is the same JSON payload of W3C `traceparent` / `tracestate` fields.
 */
export const REGISTRATION_TRACE_HEADER = '_delay-callback-registration-trace';

/** The attributes of a span link to the registration's span. */
export const REGISTRATION_LINK_ATTRIBUTES = { 'delay_callback.link': 'registration' } as const;
