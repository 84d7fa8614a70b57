/** Ratios between two sides of the same run (pure). Lower is better except delivered/s and sustained rate. */
import type { SideResult, SystemName } from './scenario.js';
import { ratio } from './stats.js';

export type Ratios = Record<string, number | null>;

/** `a / b` for each figure of two sides at the same rate. */
export function ratiosOf(a: SideResult, b: SideResult): Ratios {
  const peak = (r: SideResult): number => Math.max(0, ...Object.values(r.peakRssMb));
  return {
    latenessP50: ratio(a.latenessMs.p50, b.latenessMs.p50),
    latenessP99: ratio(a.latenessMs.p99, b.latenessMs.p99),
    latenessMax: ratio(a.latenessMs.max, b.latenessMs.max),
    registrationP50: ratio(a.registrationLatencyMs.p50, b.registrationLatencyMs.p50),
    registrationP99: ratio(a.registrationLatencyMs.p99, b.registrationLatencyMs.p99),
    deliveredPerSecond: ratio(a.deliveredPerSecond, b.deliveredPerSecond),
    peakRssLargestProcess: ratio(peak(a), peak(b)),
    dbRequestsPerCallback: ratio(a.serverCost?.persistenceTotalPerCallback, b.serverCost?.persistenceTotalPerCallback),
  };
}

/** The highest rate a side sustained with every lower rate it ran sustained too; null if none. */
export function highestSustained(results: ReadonlyArray<SideResult | undefined>): number | null {
  let best: number | null = null;
  for (const result of [...results].filter((r): r is SideResult => r !== undefined).sort((x, y) => x.rate - y.rate)) {
    if (!result.sustained) break;
    best = result.rate;
  }
  return best;
}

/** The highest delivered/s a side reached at any rate: its capacity when pushed past it. */
export function peakDelivered(results: ReadonlyArray<SideResult | undefined>): number | null {
  const values = results.filter((r): r is SideResult => r !== undefined).map((r) => r.deliveredPerSecond);
  return values.length ? Math.max(...values) : null;
}

export interface Headline {
  /** Highest sustained rate per side. */
  sustained: Partial<Record<SystemName, number | null>>;
  /** Highest delivered/s per side. */
  peakDelivered: Partial<Record<SystemName, number | null>>;
  /** Ours over the bare-Temporal baseline (target >= 0.9), and over BullMQ. */
  oursVsBaseline: { sustained: number | null; peakDelivered: number | null };
  oursVsBullmq: { sustained: number | null; peakDelivered: number | null };
}

export function headlineOf(runs: ReadonlyArray<Partial<Record<SystemName, SideResult>>>): Headline {
  const systems = (['ours', 'ours-lead-off', 'baseline', 'bullmq'] as const).filter((system) => runs.some((run) => run[system]));
  const sustained: Partial<Record<SystemName, number | null>> = Object.fromEntries(systems.map((s) => [s, highestSustained(runs.map((run) => run[s]))]));
  const peak: Partial<Record<SystemName, number | null>> = Object.fromEntries(systems.map((s) => [s, peakDelivered(runs.map((run) => run[s]))]));
  return {
    sustained,
    peakDelivered: peak,
    oursVsBaseline: { sustained: sustainedRatio(sustained.ours, sustained.baseline), peakDelivered: ratio(peak.ours, peak.baseline) },
    oursVsBullmq: { sustained: sustainedRatio(sustained.ours, sustained.bullmq), peakDelivered: ratio(peak.ours, peak.bullmq) },
  };
}

/** Sustained rate over another's: 0 when ours sustained no rate the other did, null when the other sustained none. */
export function sustainedRatio(ours: number | null | undefined, other: number | null | undefined): number | null {
  if (other === null || other === undefined) return null;
  return ours === null || ours === undefined ? 0 : ratio(ours, other);
}
