/**
 * Whether the standard OpenTelemetry variables ask for traces, the default of the
 * SDK's `tracing` option (the service applies the same rule, in server/config.ts):
 * an exporter other than `none`, or an OTLP endpoint with no exporter named, and
 * OTEL_SDK_DISABLED not true. Reading it loads nothing of OpenTelemetry.
 */
export function tracingRequestedBy(env: NodeJS.ProcessEnv): boolean {
  const value = (name: string): string | undefined => env[name]?.trim() || undefined;
  if (['true', '1', 'yes'].includes(value('OTEL_SDK_DISABLED')?.toLowerCase() ?? '')) return false;
  const exporters = value('OTEL_TRACES_EXPORTER');
  if (exporters !== undefined) return exporters.split(',').some((name) => name.trim().toLowerCase() !== 'none' && name.trim() !== '');
  return value('OTEL_EXPORTER_OTLP_ENDPOINT') !== undefined || value('OTEL_EXPORTER_OTLP_TRACES_ENDPOINT') !== undefined;
}
