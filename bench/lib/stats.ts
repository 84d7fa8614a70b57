/** Percentiles and summaries of latency samples (milliseconds). */

export interface Distribution {
  count: number;
  min: number | null;
  p50: number | null;
  p90: number | null;
  p99: number | null;
  max: number | null;
  mean: number | null;
}

/** Nearest-rank percentile of an ascending array; null when empty. */
export function percentile(sorted: readonly number[], p: number): number | null {
  if (sorted.length === 0) return null;
  const rank = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[rank] ?? null;
}

export function distribution(samples: readonly number[]): Distribution {
  const sorted = Float64Array.from(samples).sort();
  const values = Array.from(sorted);
  const round = (value: number | null): number | null => (value === null ? null : Math.round(value * 10) / 10);
  const sum = values.reduce((total, value) => total + value, 0);
  return {
    count: values.length,
    min: round(values[0] ?? null),
    p50: round(percentile(values, 50)),
    p90: round(percentile(values, 90)),
    p99: round(percentile(values, 99)),
    max: round(values[values.length - 1] ?? null),
    mean: round(values.length ? sum / values.length : null),
  };
}

/** a / b rounded to two decimals; null when either is missing or b is 0. */
export function ratio(a: number | null | undefined, b: number | null | undefined): number | null {
  if (a === null || a === undefined || b === null || b === undefined || b === 0) return null;
  return Math.round((a / b) * 100) / 100;
}
