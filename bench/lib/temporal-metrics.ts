/**
 * What the Temporal server did for a scenario, from its Prometheus /metrics:
 * persistence (SQLite) requests and RPCs by operation, as deltas between two
 * scrapes. Divided by the callbacks delivered, they show the server's cost per
 * callback, the lever on the dev server's single shard.
 */
export interface ServerCounters {
  /** `service:operation` -> count, for persistence_requests and service_requests. */
  persistence: Record<string, number>;
  /** Seconds spent in persistence calls by operation. */
  persistenceSeconds: Record<string, number>;
  rpc: Record<string, number>;
}

export async function scrapeServer(metricsUrl: string): Promise<ServerCounters | null> {
  try {
    const text = await (await fetch(metricsUrl)).text();
    return {
      persistence: sumByOperation(text, 'persistence_requests'),
      persistenceSeconds: sumByOperation(text, 'persistence_latency_sum'),
      rpc: sumByOperation(text, 'service_requests'),
    };
  } catch {
    return null;
  }
}

function sumByOperation(text: string, metric: string): Record<string, number> {
  const sums: Record<string, number> = {};
  const line = new RegExp(`^${metric}\\{([^}]*)\\} ([0-9.e+-]+)$`, 'gm');
  for (const match of text.matchAll(line)) {
    const labels = match[1] ?? '';
    const operation = /operation="([^"]*)"/.exec(labels)?.[1] ?? '?';
    const service = /service_name="([^"]*)"/.exec(labels)?.[1] ?? '?';
    const key = `${service}:${operation}`;
    sums[key] = (sums[key] ?? 0) + Number(match[2]);
  }
  return sums;
}

export interface ServerCostPerCallback {
  /** Persistence requests per delivered callback, by service:operation (largest first, small ones folded). */
  persistencePerCallback: Record<string, number>;
  persistenceTotalPerCallback: number;
  /** Milliseconds in persistence per callback (serialised on the dev server's one SQLite connection). */
  persistenceMsPerCallback: number;
  rpcTotalPerCallback: number;
}

export function costPerCallback(before: ServerCounters | null, after: ServerCounters | null, callbacks: number): ServerCostPerCallback | null {
  if (!before || !after || callbacks === 0) return null;
  const delta = (a: Record<string, number>, b: Record<string, number>): Record<string, number> =>
    Object.fromEntries(Object.keys(b).map((key) => [key, (b[key] ?? 0) - (a[key] ?? 0)]).filter(([, v]) => (v as number) > 0));
  const persistence = delta(before.persistence, after.persistence);
  const round2 = (value: number): number => Math.round(value * 100) / 100;
  const total = (values: Record<string, number>): number => Object.values(values).reduce((sum, v) => sum + v, 0);
  const perCallback = Object.entries(persistence)
    .map(([key, count]) => [key, round2(count / callbacks)] as const)
    .filter(([, value]) => value >= 0.05)
    .sort((a, b) => b[1] - a[1]);
  return {
    persistencePerCallback: Object.fromEntries(perCallback),
    persistenceTotalPerCallback: round2(total(persistence) / callbacks),
    persistenceMsPerCallback: round2((total(delta(before.persistenceSeconds, after.persistenceSeconds)) * 1000) / callbacks),
    rpcTotalPerCallback: round2(total(delta(before.rpc, after.rpc)) / callbacks),
  };
}
