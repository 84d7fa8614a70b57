/**
 * A hand-written SVG (no native dependencies): left, fire lateness p50/p99 by
 * offered rate on a log scale; right, delivered callbacks per second by offered
 * rate against the ideal. delay-callback in blue (with pre-dispatch off, when
 * compared, in purple), the bare-Temporal baseline in green, BullMQ in orange.
 */
import type { RateRun } from './report.js';
import type { SideResult, SystemName } from './scenario.js';

const W = 980;
const H = 460;
const PANEL = { top: 70, bottom: 370, width: 400 };
const LEFT_X = 70;
const RIGHT_X = 560;
const COLORS: Record<SystemName, string> = { ours: '#1f6fd1', 'ours-lead-off': '#8e44ad', 'ours-webhook': '#c0392b', baseline: '#2e9d48', bullmq: '#e8711a' };
const LABELS: Record<SystemName, string> = {
  ours: 'delay-callback',
  'ours-lead-off': 'delay-callback, pre-dispatch off',
  'ours-webhook': 'delay-callback, webhooks',
  baseline: 'bare Temporal',
  bullmq: 'BullMQ',
};
const SYSTEMS: readonly SystemName[] = ['ours', 'ours-lead-off', 'ours-webhook', 'baseline', 'bullmq'];

type Series = { system: SystemName; points: Array<[number, number]>; dashed: boolean; label: string };

export function sweepChart(runs: readonly RateRun[], title: string, subtitle: string): string {
  const rates = runs.map((run) => run.rate);
  const xOf = (base: number) => (rate: number): number => base + ((rates.indexOf(rate) + 0.5) / Math.max(1, rates.length)) * PANEL.width;
  const sides = (system: SystemName): SideResult[] => runs.flatMap((run) => (run[system] ? [run[system]] : []));
  const present = SYSTEMS.filter((system) => sides(system).length > 0);

  // Lateness, log10 from 1 ms to the largest value seen (at least 10 s).
  const latenessSeries: Series[] = present.flatMap((system) =>
    (['p50', 'p99'] as const).map((p) => ({
      system,
      dashed: p === 'p50',
      label: `${LABELS[system]} ${p}`,
      points: sides(system).flatMap((r): Array<[number, number]> => (r.latenessMs[p] === null ? [] : [[r.rate, r.latenessMs[p]!]])),
    })),
  );
  const maxLate = Math.max(10_000, ...latenessSeries.flatMap((s) => s.points.map(([, v]) => v)));
  const decades = Math.ceil(Math.log10(maxLate));
  const yLate = (v: number): number => PANEL.bottom - (Math.log10(Math.max(1, v)) / decades) * (PANEL.bottom - PANEL.top);

  const maxRate = Math.max(...rates, ...present.flatMap((system) => sides(system).map((r) => r.deliveredPerSecond)));
  const yRate = (v: number): number => PANEL.bottom - (v / (maxRate * 1.1)) * (PANEL.bottom - PANEL.top);
  const deliveredSeries: Series[] = present.map((system) => ({
    system,
    dashed: false,
    label: LABELS[system],
    points: sides(system).map((r): [number, number] => [r.rate, r.deliveredPerSecond]),
  }));

  const parts: string[] = [];
  parts.push(`<text x="${W / 2}" y="26" text-anchor="middle" font-size="17" font-weight="bold">${esc(title)}</text>`);
  parts.push(`<text x="${W / 2}" y="46" text-anchor="middle" font-size="12" fill="#555">${esc(subtitle)}</text>`);

  // Left panel: axes, decade grid, the 100 ms and 1 s limits.
  parts.push(frame(LEFT_X, 'fire lateness (ms, log scale)', 'offered rate (fires/s)'));
  for (let d = 0; d <= decades; d++) {
    const y = yLate(10 ** d);
    parts.push(`<line x1="${LEFT_X}" x2="${LEFT_X + PANEL.width}" y1="${y}" y2="${y}" stroke="#eee"/>`);
    parts.push(`<text x="${LEFT_X - 6}" y="${y + 4}" text-anchor="end" font-size="11">${fmt(10 ** d)}</text>`);
  }
  for (const [limit, label] of [[20, 'target p99 at 30/s'], [1000, 'sustained limit p99 < 1 s']] as const) {
    const y = yLate(limit);
    parts.push(`<line x1="${LEFT_X}" x2="${LEFT_X + PANEL.width}" y1="${y}" y2="${y}" stroke="#c00" stroke-dasharray="2,3"/>`);
    parts.push(`<text x="${LEFT_X + PANEL.width - 4}" y="${y - 4}" text-anchor="end" font-size="10" fill="#c00">${esc(label)}</text>`);
  }
  parts.push(xTicks(rates, xOf(LEFT_X)));
  for (const series of latenessSeries) parts.push(polyline(series, xOf(LEFT_X), yLate));

  // Right panel: delivered/s with the ideal (delivered = offered).
  parts.push(frame(RIGHT_X, 'delivered callbacks per second', 'offered rate (fires/s)'));
  for (const tick of niceTicks(maxRate * 1.1)) {
    const y = yRate(tick);
    parts.push(`<line x1="${RIGHT_X}" x2="${RIGHT_X + PANEL.width}" y1="${y}" y2="${y}" stroke="#eee"/>`);
    parts.push(`<text x="${RIGHT_X - 6}" y="${y + 4}" text-anchor="end" font-size="11">${tick}</text>`);
  }
  parts.push(xTicks(rates, xOf(RIGHT_X)));
  const ideal = rates.map((rate) => `${xOf(RIGHT_X)(rate)},${yRate(rate)}`).join(' ');
  parts.push(`<polyline points="${ideal}" fill="none" stroke="#999" stroke-dasharray="4,4"/>`);
  for (const series of deliveredSeries) parts.push(polyline(series, xOf(RIGHT_X), yRate));

  // Legend: one line style per system (solid p99 and delivered/s, dashed p50), then the ideal.
  const legend: Array<[string, string, boolean]> = [
    ...present.map((system): [string, string, boolean] => [`${LABELS[system]}: p99 / delivered (p50 dashed)`, COLORS[system], false]),
    ['ideal (delivered = offered)', '#999', true],
  ];
  legend.forEach(([label, color, dashed], i) => {
    const x = 40 + (i % 3) * 310;
    const y = 412 + Math.floor(i / 3) * 20;
    parts.push(`<line x1="${x}" x2="${x + 24}" y1="${y}" y2="${y}" stroke="${color}" stroke-width="2.5"${dashed ? ' stroke-dasharray="5,4"' : ''}/>`);
    parts.push(`<text x="${x + 30}" y="${y + 4}" font-size="11">${esc(label)}</text>`);
  });

  return `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}" font-family="sans-serif">
<rect width="${W}" height="${H}" fill="white"/>
${parts.join('\n')}
</svg>
`;
}

function frame(x: number, yLabel: string, xLabel: string): string {
  const midY = (PANEL.top + PANEL.bottom) / 2;
  return [
    `<rect x="${x}" y="${PANEL.top}" width="${PANEL.width}" height="${PANEL.bottom - PANEL.top}" fill="none" stroke="#333"/>`,
    `<text x="${x - 48}" y="${midY}" transform="rotate(-90 ${x - 48} ${midY})" text-anchor="middle" font-size="12">${yLabel}</text>`,
    `<text x="${x + PANEL.width / 2}" y="${PANEL.bottom + 34}" text-anchor="middle" font-size="12">${xLabel}</text>`,
  ].join('\n');
}

function xTicks(rates: number[], xOf: (rate: number) => number): string {
  return rates.map((rate) => `<text x="${xOf(rate)}" y="${PANEL.bottom + 16}" text-anchor="middle" font-size="11">${rate}</text>`).join('\n');
}

function polyline(series: Series, xOf: (rate: number) => number, yOf: (v: number) => number): string {
  if (series.points.length === 0) return '';
  const color = COLORS[series.system];
  const points = series.points.map(([rate, v]) => `${xOf(rate).toFixed(1)},${yOf(v).toFixed(1)}`);
  const dash = series.dashed ? ' stroke-dasharray="5,4"' : '';
  const dots = series.points
    .map(([rate, v]) => `<circle cx="${xOf(rate).toFixed(1)}" cy="${yOf(v).toFixed(1)}" r="3" fill="${color}"><title>${esc(series.label)} at ${rate}/s: ${v}</title></circle>`)
    .join('');
  return `<polyline points="${points.join(' ')}" fill="none" stroke="${color}" stroke-width="2.5"${dash}/>${dots}`;
}

function niceTicks(max: number): number[] {
  const step = 10 ** Math.floor(Math.log10(max / 4));
  const nice = [1, 2, 5, 10].map((m) => m * step).find((s) => max / s <= 6) ?? step * 10;
  const ticks: number[] = [];
  for (let t = 0; t <= max; t += nice) ticks.push(Math.round(t));
  return ticks;
}

function fmt(ms: number): string {
  return ms >= 1000 ? `${ms / 1000} s` : `${ms} ms`;
}

function esc(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}
