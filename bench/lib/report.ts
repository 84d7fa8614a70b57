/** The summary table printed at the end, and the results file. */
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { STAGES } from './breakdown.js';
import { ratio } from './stats.js';
import type { SideResult } from './scenario.js';

export interface RateRun {
  rate: number;
  ours?: SideResult;
  bullmq?: SideResult;
  /** ours / BullMQ for each figure (lower is better except delivered/s). */
  ratios?: Record<string, number | null>;
}

export function ratiosOf(ours: SideResult, bullmq: SideResult): Record<string, number | null> {
  const peak = (r: SideResult): number => Math.max(0, ...Object.values(r.peakRssMb));
  return {
    latenessP50: ratio(ours.latenessMs.p50, bullmq.latenessMs.p50),
    latenessP99: ratio(ours.latenessMs.p99, bullmq.latenessMs.p99),
    latenessMax: ratio(ours.latenessMs.max, bullmq.latenessMs.max),
    registrationP50: ratio(ours.registrationLatencyMs.p50, bullmq.registrationLatencyMs.p50),
    registrationP99: ratio(ours.registrationLatencyMs.p99, bullmq.registrationLatencyMs.p99),
    deliveredPerSecond: ratio(ours.deliveredPerSecond, bullmq.deliveredPerSecond),
    peakRssLargestProcess: ratio(peak(ours), peak(bullmq)),
  };
}

const COLUMNS: Array<[string, number, (r: SideResult) => string]> = [
  ['rate/s', 6, (r) => String(r.rate)],
  ['system', 6, (r) => r.system],
  ['reg', 6, (r) => String(r.registered)],
  ['fired', 6, (r) => String(r.fired)],
  ['lost', 4, (r) => String(r.lost)],
  ['dup', 3, (r) => String(r.duplicates)],
  ['early', 5, (r) => String(r.early)],
  ['late p50', 8, (r) => ms(r.latenessMs.p50)],
  ['p90', 7, (r) => ms(r.latenessMs.p90)],
  ['p99', 7, (r) => ms(r.latenessMs.p99)],
  ['max', 7, (r) => ms(r.latenessMs.max)],
  ['min', 5, (r) => ms(r.latenessMs.min)],
  ['reg p50', 7, (r) => ms(r.registrationLatencyMs.p50)],
  ['reg p99', 7, (r) => ms(r.registrationLatencyMs.p99)],
  ['deliv/s', 7, (r) => String(r.deliveredPerSecond)],
  ['ok', 3, (r) => (r.sustained ? 'yes' : 'NO')],
  ['peak RSS MB', 0, (r) => Object.entries(r.peakRssMb).map(([name, mb]) => `${name} ${Math.round(mb)}`).join(', ')],
];

function ms(value: number | null): string {
  return value === null ? '-' : value >= 100 ? String(Math.round(value)) : String(value);
}

export function printTable(runs: RateRun[]): void {
  const header = COLUMNS.map(([name, width]) => name.padStart(width)).join(' ');
  console.log(`\nResults (times in ms; lateness = fire time - trigger time)\n${header}`);
  for (const run of runs) {
    for (const side of [run.ours, run.bullmq]) {
      if (side) console.log(COLUMNS.map(([, width, cell]) => cell(side).padStart(width)).join(' '));
    }
    const cpu = [run.ours, run.bullmq].flatMap((side) =>
      side ? [`${side.system}: ${Object.entries(side.cpuSeconds).map(([name, s]) => `${name} ${s}`).join(', ')}`] : [],
    );
    console.log(`${''.padStart(6)} CPU seconds: ${cpu.join(' | ')}`);
    if (run.ratios) {
      const r = run.ratios;
      console.log(
        `${''.padStart(6)} ratios ours/BullMQ: lateness p50 ${r.latenessP50 ?? '-'}x, p99 ${r.latenessP99 ?? '-'}x, ` +
          `registration p50 ${r.registrationP50 ?? '-'}x, p99 ${r.registrationP99 ?? '-'}x, delivered/s ${r.deliveredPerSecond ?? '-'}x, ` +
          `largest process RSS ${r.peakRssLargestProcess ?? '-'}x`,
      );
    }
  }
}

/** Our lateness by stage (medians, p99 in brackets), one line per rate. */
export function printBreakdown(runs: RateRun[]): void {
  const lines = runs.flatMap((run) => {
    const breakdown = run.ours?.breakdown;
    if (!breakdown) return [];
    const stages = STAGES.map((stage) => `${stage} ${ms(breakdown[stage].p50)} (${ms(breakdown[stage].p99)})`);
    const w = breakdown.waitedOn;
    return [`${String(run.rate).padStart(6)}/s  ${stages.join('  ')}  [${breakdown.sampled} sampled; waited on start delay ${w.startDelay}, timer ${w.timer}, neither ${w.neither}]`];
  });
  const costs = runs.flatMap((run) => {
    const cost = run.ours?.serverCost;
    if (!cost) return [];
    const top = Object.entries(cost.persistencePerCallback).slice(0, 6).map(([op, n]) => `${op} ${n}`).join(', ');
    return [
      `${String(run.rate).padStart(6)}/s  ${cost.persistenceTotalPerCallback} DB requests (${cost.persistenceMsPerCallback} ms) and ${cost.rpcTotalPerCallback} RPCs per callback; ` +
        `CPU ms per callback: ${Object.entries(run.ours?.cpuSeconds ?? {}).map(([name, s]) => `${name} ${Math.round((s * 1000) / Math.max(1, run.ours?.fired ?? 1))}`).join(', ')}; top: ${top}`,
    ];
  });
  if (costs.length > 0) {
    console.log('\nWhat the Temporal server did per callback (from its /metrics)');
    for (const line of costs) console.log(line);
  }
  if (lines.length === 0) return;
  console.log('\nWhere our lateness goes, ms: p50 (p99) per stage, from workflow histories of a sample');
  for (const line of lines) console.log(line);
}

export async function writeResults(outDir: string, name: string, results: unknown, svg?: string): Promise<string[]> {
  await mkdir(outDir, { recursive: true });
  const jsonPath = join(outDir, `${name}.json`);
  await writeFile(jsonPath, `${JSON.stringify(results, null, 2)}\n`);
  const written = [jsonPath];
  if (svg) {
    const svgPath = join(outDir, `${name}.svg`);
    await writeFile(svgPath, svg);
    written.push(svgPath);
  }
  return written;
}
