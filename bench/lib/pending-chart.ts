/** Pending mode's chart: RSS of each process as the pending set grows (flat lines are the point). */
import type { MachineInfo } from './environment.js';
import type { PendingOutcome } from './pending.js';

const W = 760;
const H = 420;
const BOX = { left: 70, right: 560, top: 60, bottom: 360 };
const COLORS: Record<string, string> = { facade: '#1f6fd1', 'service-worker': '#2a9d3a', 'app-worker': '#8e44ad', temporal: '#777' };

export function pendingChart(outcome: PendingOutcome, machine: MachineInfo): string {
  const names = Object.keys(COLORS);
  const maxX = Math.max(1, ...outcome.curve.map((p) => p.registered));
  const maxY = Math.ceil((Math.max(350, ...outcome.curve.flatMap((p) => names.map((n) => p.rssMb[n] ?? 0))) * 1.1) / 100) * 100;
  const x = (v: number): number => BOX.left + (v / maxX) * (BOX.right - BOX.left);
  const y = (v: number): number => BOX.bottom - (v / maxY) * (BOX.bottom - BOX.top);
  const parts: string[] = [
    `<text x="${W / 2}" y="24" text-anchor="middle" font-size="16" font-weight="bold">RSS while registering ${outcome.pending} far-future callbacks</text>`,
    `<text x="${W / 2}" y="44" text-anchor="middle" font-size="12" fill="#555">${machine.cpus} x ${machine.cpuModel}; ${outcome.registrationsPerSecond} registrations/s; ${outcome.database.bytesPerPending} DB bytes per pending callback</text>`,
    `<rect x="${BOX.left}" y="${BOX.top}" width="${BOX.right - BOX.left}" height="${BOX.bottom - BOX.top}" fill="none" stroke="#333"/>`,
    `<line x1="${BOX.left}" x2="${BOX.right}" y1="${y(300)}" y2="${y(300)}" stroke="#c00" stroke-dasharray="2,3"/>`,
    `<text x="${BOX.right - 4}" y="${y(300) - 4}" text-anchor="end" font-size="10" fill="#c00">target: each of ours &lt; 300 MB</text>`,
    `<text x="${(BOX.left + BOX.right) / 2}" y="${BOX.bottom + 36}" text-anchor="middle" font-size="12">callbacks pending</text>`,
    `<text x="22" y="${(BOX.top + BOX.bottom) / 2}" transform="rotate(-90 22 ${(BOX.top + BOX.bottom) / 2})" text-anchor="middle" font-size="12">RSS (MB)</text>`,
  ];
  for (let i = 0; i <= 5; i++) {
    const xv = Math.round((maxX * i) / 5);
    const yv = Math.round((maxY * i) / 5);
    parts.push(`<text x="${x(xv)}" y="${BOX.bottom + 16}" text-anchor="middle" font-size="11">${xv}</text>`);
    parts.push(`<text x="${BOX.left - 6}" y="${y(yv) + 4}" text-anchor="end" font-size="11">${yv}</text>`);
    parts.push(`<line x1="${BOX.left}" x2="${BOX.right}" y1="${y(yv)}" y2="${y(yv)}" stroke="#eee"/>`);
  }
  names.forEach((name, i) => {
    const points = outcome.curve.map((p) => `${x(p.registered).toFixed(1)},${y(p.rssMb[name] ?? 0).toFixed(1)}`).join(' ');
    parts.push(`<polyline points="${points}" fill="none" stroke="${COLORS[name]}" stroke-width="2.5"/>`);
    parts.push(`<line x1="${BOX.right + 20}" x2="${BOX.right + 44}" y1="${BOX.top + 10 + i * 20}" y2="${BOX.top + 10 + i * 20}" stroke="${COLORS[name]}" stroke-width="2.5"/>`);
    parts.push(`<text x="${BOX.right + 50}" y="${BOX.top + 14 + i * 20}" font-size="11">${name === 'temporal' ? 'Temporal server' : name}</text>`);
  });
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}" font-family="sans-serif">
<rect width="${W}" height="${H}" fill="white"/>
${parts.join('\n')}
</svg>
`;
}
