/**
 * The V8 heap and external memory of a process of ours, from its Prometheus
 * /metrics (prom-client's default metrics): tells V8 heap growth apart from
 * native memory (the Temporal core SDK's Rust side) when RSS climbs.
 */
export interface HeapReading {
  rssMb: number | null;
  heapUsedMb: number | null;
  heapTotalMb: number | null;
  externalMb: number | null;
}

export async function readHeap(metricsUrl: string): Promise<HeapReading | null> {
  try {
    const text = await (await fetch(metricsUrl)).text();
    const value = (name: string): number | null => {
      const match = new RegExp(`^${name}(?:\\{[^}]*\\})? ([0-9.e+]+)`, 'm').exec(text);
      return match ? Math.round((Number(match[1]) / 2 ** 20) * 10) / 10 : null;
    };
    return {
      rssMb: value('process_resident_memory_bytes'),
      heapUsedMb: value('nodejs_heap_size_used_bytes'),
      heapTotalMb: value('nodejs_heap_size_total_bytes'),
      externalMb: value('nodejs_external_memory_bytes'),
    };
  } catch {
    return null;
  }
}
