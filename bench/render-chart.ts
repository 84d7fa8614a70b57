/** Re-renders the chart of a results file: `npx tsx bench/render-chart.ts bench/results/sweep.json`. */
import { readFile, writeFile } from 'node:fs/promises';
import { sweepChart } from './lib/chart.js';
import type { MachineInfo } from './lib/environment.js';
import { pendingChart, type PendingOutcome } from './lib/pending.js';
import type { RateRun } from './lib/report.js';

const file = process.argv[2];
if (!file) throw new Error('usage: npx tsx bench/render-chart.ts <results.json>');
const results = JSON.parse(await readFile(file, 'utf8')) as {
  kind: string;
  machine: MachineInfo;
  versions: Record<string, string>;
  parameters: { durationSeconds: number };
  runs?: RateRun[];
  loadavgAtEnd: number[];
};
const svg =
  results.kind === 'pending'
    ? pendingChart(results as unknown as PendingOutcome, results.machine)
    : sweepChart(
        results.runs ?? [],
        `delay-callback vs bare Temporal and BullMQ: ${results.parameters.durationSeconds} s per rate`,
        `${results.machine.cpus} x ${results.machine.cpuModel}, Node ${results.machine.node}, Temporal ${results.versions.temporalServer} dev server (SQLite), ` +
          `load ${results.machine.loadavgAtStart[0]} -> ${results.loadavgAtEnd[0]}`,
      );
await writeFile(file.replace(/\.json$/, '.svg'), svg);
console.log(`wrote ${file.replace(/\.json$/, '.svg')}`);
