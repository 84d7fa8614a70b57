/** The summary tables printed at the end, and the results file. */
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { STAGES } from './breakdown.js';
import type { Headline, Ratios } from './ratios.js';
import type { SideResult, SystemName } from './scenario.js';
import type { RateRun } from './sweep.js';

export type { RateRun } from './sweep.js';

/** Sides in table order. */
export const SYSTEMS: readonly SystemName[] = ['ours', 'ours-lead-off', 'ours-webhook', 'baseline', 'bullmq'];

const COLUMNS: Array<[string, number, (r: SideResult) => string]> = [
  ['rate/s', 6, (r) => String(r.rate)],
  ['system', 13, (r) => r.system],
  ['reg', 6, (r) => String(r.registered)],
  ['refus', 5, (r) => String(r.refused + r.unknownOutcome)],
  ['err', 3, (r) => String(r.registrationErrors)],
  ['fired', 6, (r) => String(r.fired)],
  ['>win', 4, (r) => String(r.lateBeyondWindow)],
  ['lost', 4, (r) => String(r.lost + r.unresolved)],
  ['ghost', 5, (r) => String(r.ghosts)],
  ['dup', 3, (r) => String(r.duplicates)],
  ['early', 5, (r) => String(r.early)],
  ['late p50', 8, (r) => ms(r.latenessMs.p50)],
  ['p90', 7, (r) => ms(r.latenessMs.p90)],
  ['p99', 7, (r) => ms(r.latenessMs.p99)],
  ['max', 7, (r) => ms(r.latenessMs.max)],
  ['min', 5, (r) => ms(r.latenessMs.min)],
  ['reg p50', 7, (r) => ms(r.registrationLatencyMs.p50)],
  ['reg p99', 7, (r) => ms(r.registrationLatencyMs.p99)],
  ['ans max', 7, (r) => ms(r.answerLatencyMs.max)],
  ['deliv/s', 7, (r) => String(r.deliveredPerSecond)],
  ['ok', 3, (r) => (r.sustained ? 'yes' : 'NO')],
  ['peak RSS MB', 0, (r) => Object.entries(r.peakRssMb).map(([name, mb]) => `${name} ${Math.round(mb)}`).join(', ')],
];

function ms(value: number | null): string {
  return value === null ? '-' : value >= 100 ? String(Math.round(value)) : String(value);
}

function ratioLine(label: string, r: Ratios | undefined): string[] {
  if (!r) return [];
  return [
    `${''.padStart(6)} ${label}: lateness p50 ${r.latenessP50 ?? '-'}x, p99 ${r.latenessP99 ?? '-'}x, ` +
      `registration p50 ${r.registrationP50 ?? '-'}x, p99 ${r.registrationP99 ?? '-'}x, delivered/s ${r.deliveredPerSecond ?? '-'}x, ` +
      `DB requests/callback ${r.dbRequestsPerCallback ?? '-'}x, largest process RSS ${r.peakRssLargestProcess ?? '-'}x`,
  ];
}

export function printTable(runs: readonly RateRun[]): void {
  const header = COLUMNS.map(([name, width]) => name.padStart(width)).join(' ');
  console.log(
    '\nResults (times in ms; lateness = fire time - trigger time; refus = 429/503 answers; err = other failed answers;\n' +
      '>win = fired after the 15 s quiet-period window; lost = decided against Temporal; ans max = slowest answer of any kind)\n' +
      header,
  );
  for (const run of runs) {
    const sides = SYSTEMS.flatMap((system) => (run[system] ? [run[system]] : []));
    for (const side of sides) console.log(COLUMNS.map(([, width, cell]) => cell(side).padStart(width)).join(' '));
    const cpu = sides.map((side) => `${side.system}: ${Object.entries(side.cpuSeconds).map(([name, s]) => `${name} ${s}`).join(', ')}`);
    console.log(`${''.padStart(6)} CPU seconds: ${cpu.join(' | ')}`);
    const answers = sides.filter((side) => Object.keys(side.answers).length > 0).map((side) => `${side.system}: ${JSON.stringify(side.answers)}`);
    if (answers.length > 0) console.log(`${''.padStart(6)} refusals and errors: ${answers.join(' | ')}`);
    for (const line of [
      ...ratioLine('ours / bare Temporal', run.ratios?.vsBaseline),
      ...ratioLine('ours / BullMQ', run.ratios?.vsBullmq),
      ...ratioLine('lead off / ours', run.ratios?.leadOffVsOurs),
    ])
      console.log(line);
  }
}

const NAMES: Record<SystemName, string> = {
  ours: 'delay-callback',
  'ours-lead-off': 'delay-callback with pre-dispatch off',
  'ours-webhook': 'delay-callback webhooks',
  baseline: 'bare Temporal',
  bullmq: 'BullMQ',
};

export function printHeadline(headline: Headline, leadSeries: Record<string, string | undefined>): void {
  const present = SYSTEMS.filter((system) => system in headline.sustained);
  const list = (values: Headline['sustained'], none: string): string => present.map((system) => `${NAMES[system]} ${values[system] ?? none}`).join(', ');
  console.log(`\nHeadline: highest sustained rate (every registration accepted, p99 lateness < 1 s, nothing lost), fires/s: ${list(headline.sustained, 'none')}`);
  console.log(`          highest delivered/s: ${list(headline.peakDelivered, '-')}`);
  console.log(
    `          ours / bare Temporal: sustained ${headline.oursVsBaseline.sustained ?? '-'}x, delivered ${headline.oursVsBaseline.peakDelivered ?? '-'}x; ` +
      `ours / BullMQ: sustained ${headline.oursVsBullmq.sustained ?? '-'}x, delivered ${headline.oursVsBullmq.peakDelivered ?? '-'}x`,
  );
  console.log(`          series: ${Object.entries(leadSeries).filter(([, label]) => label).map(([system, label]) => `${system} = ${label}`).join('; ')}`);
}

/** Our lateness by stage (medians, p99 in brackets), one line per rate and series. */
export function printBreakdown(runs: readonly RateRun[]): void {
  const series: SystemName[] = ['ours', 'ours-lead-off', 'baseline'];
  const costs = runs.flatMap((run) =>
    series.flatMap((system) => {
      const side = run[system];
      const cost = side?.serverCost;
      if (!side || !cost) return [];
      const top = Object.entries(cost.persistencePerCallback).slice(0, 6).map(([op, n]) => `${op} ${n}`).join(', ');
      const cpu = Object.entries(side.cpuSeconds).map(([name, s]) => `${name} ${Math.round((s * 1000) / Math.max(1, side.fired))}`).join(', ');
      return [
        `${String(run.rate).padStart(6)}/s ${system.padEnd(13)} ${cost.persistenceTotalPerCallback} DB requests (${cost.persistenceMsPerCallback} ms) and ` +
          `${cost.rpcTotalPerCallback} RPCs per callback; CPU ms per callback: ${cpu}; top: ${top}`,
      ];
    }),
  );
  if (costs.length > 0) {
    console.log('\nWhat the Temporal server did per callback (from its /metrics)');
    for (const line of costs) console.log(line);
  }
  const lines = runs.flatMap((run) =>
    (['ours', 'ours-lead-off'] as const).flatMap((system) => {
      const breakdown = run[system]?.breakdown;
      if (!breakdown) return [];
      const stages = STAGES.map((stage) => `${stage} ${ms(breakdown[stage].p50)} (${ms(breakdown[stage].p99)})`);
      const w = breakdown.waitedOn;
      return [`${String(run.rate).padStart(6)}/s ${system.padEnd(13)} ${stages.join('  ')}  [${breakdown.sampled} sampled; waited on start delay ${w.startDelay}, timer ${w.timer}, neither ${w.neither}]`];
    }),
  );
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
