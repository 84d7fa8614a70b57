/**
 * Whether the service traces with OpenTelemetry, from the standard OTEL_* variables; the SDK
 * itself reads them again when tracing is on (server/tracing/).
 */
import type { TracingConfig } from '../config.js';
import { ConfigError, withoutCredentials } from './env-reader.js';

const TRACE_EXPORTERS = ['otlp', 'console', 'zipkin', 'none'];

/**
 * On when an exporter (other than none) or an OTLP endpoint is set and the SDK is not disabled; the OpenTelemetry SDK
 * itself reads these and the other OTEL_* variables (headers, sampler, resource attributes).
 */
export function tracingConfig(read: (name: string) => string | undefined, bool: (name: string) => boolean): TracingConfig | undefined {
  const exporterList = read('OTEL_TRACES_EXPORTER');
  const exporters = (exporterList ?? 'none').split(',').map((name) => name.trim().toLowerCase());
  const unknown = exporters.find((name) => !TRACE_EXPORTERS.includes(name));
  if (unknown !== undefined) {
    throw new ConfigError('OTEL_TRACES_EXPORTER', `must be a comma-separated list of ${TRACE_EXPORTERS.join(', ')} (got "${unknown}")`);
  }
  const endpoints = ['OTEL_EXPORTER_OTLP_ENDPOINT', 'OTEL_EXPORTER_OTLP_TRACES_ENDPOINT'].filter((name) => {
    const raw = read(name);
    if (raw === undefined) return false;
    if (!/^https?:\/\/[^\s/]+/.test(raw) || !URL.canParse(raw)) throw new ConfigError(name, `must be an http(s) URL such as http://127.0.0.1:4318 (got "${withoutCredentials(raw)}")`);
    return true;
  });
  const protocol = read('OTEL_EXPORTER_OTLP_PROTOCOL') as string;
  if (!['http/protobuf', 'http/json', 'grpc'].includes(protocol)) {
    throw new ConfigError('OTEL_EXPORTER_OTLP_PROTOCOL', `must be http/protobuf, http/json or grpc (got "${protocol}")`);
  }
  const serviceName = read('OTEL_SERVICE_NAME') as string;
  if (!/^[\x20-\x7E]{1,255}$/.test(serviceName)) throw new ConfigError('OTEL_SERVICE_NAME', 'must be 1 to 255 printable ASCII characters');
  const disabled = bool('OTEL_SDK_DISABLED');
  // `none` said outright wins over an endpoint, as in the OpenTelemetry SDK.
  const exporting = exporters.some((name) => name !== 'none') || (exporterList === undefined && endpoints.length > 0);
  return !disabled && exporting ? { serviceName } : undefined;
}
