/**
 * The figures each scenario prints and asserts, and the table `npm run
 * test:faults` closes with (collected through a JSON-lines file, because each
 * scenario file runs in its own vitest worker).
 */
import { appendFileSync, existsSync, mkdirSync, readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';

export interface ScenarioFigures {
  scenario: string;
  /** Distinct uids clients were told. */
  registered: number;
  succeeded: number;
  failed: number;
  cancelled: number;
  /** Told, but missing from Temporal, never finished, or an attempt counted without its handler running. Must be 0. */
  lost: number;
  /** More than one workflow for one registration. Must be 0. */
  registeredTwice: number;
  /** Workflows Temporal holds that no client was told about. Must be 0. */
  notTold: number;
  /** Handler runs recorded by the app's workers. */
  handlerRuns: number;
  /** Attempts whose handler ran more than once because a fault cut a run (at-least-once). */
  redelivered: number;
  maxRunsPerAttempt: number;
  /** Largest firedAt - triggerAt over the fired callbacks. */
  latenessMaxMs: number;
  /** Scenario-specific observations (exit codes, shutdown times, retries). */
  notes?: string;
}

export const FIGURES_FILE = resolve(import.meta.dirname, '..', '..', '..', 'test-results', 'faults-figures.jsonl');

export function recordFigures(figures: ScenarioFigures): void {
  mkdirSync(dirname(FIGURES_FILE), { recursive: true });
  appendFileSync(FIGURES_FILE, `${JSON.stringify(figures)}\n`);
  console.log(formatTable([figures]));
}

/** Every scenario's figures, in scenario order (files may run in any order). */
export function readFigures(): ScenarioFigures[] {
  if (!existsSync(FIGURES_FILE)) return [];
  return readFileSync(FIGURES_FILE, 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((line) => JSON.parse(line) as ScenarioFigures)
    .sort((a, b) => a.scenario.localeCompare(b.scenario, 'en', { numeric: true }));
}

const COLUMNS: Array<[string, (f: ScenarioFigures) => string]> = [
  ['scenario', (f) => f.scenario],
  ['registered', (f) => String(f.registered)],
  ['fired', (f) => String(f.succeeded + f.failed)],
  ['succeeded', (f) => String(f.succeeded)],
  ['failed', (f) => String(f.failed)],
  ['cancelled', (f) => String(f.cancelled)],
  ['lost', (f) => String(f.lost)],
  ['twice', (f) => String(f.registeredTwice)],
  ['untold', (f) => String(f.notTold)],
  ['runs', (f) => String(f.handlerRuns)],
  ['re-run', (f) => String(f.redelivered)],
  ['max runs/attempt', (f) => String(f.maxRunsPerAttempt)],
  ['lateness max', (f) => `${(f.latenessMaxMs / 1000).toFixed(1)} s`],
];

/** A Markdown table, columns padded: readable in a terminal and pasteable into a note. */
export function formatTable(rows: readonly ScenarioFigures[]): string {
  const cells = rows.map((row) => COLUMNS.map(([, cell]) => cell(row)));
  const widths = COLUMNS.map(([name], i) => Math.max(name.length, 3, ...cells.map((line) => (line[i] ?? '').length)));
  // First column left-aligned, figures right-aligned.
  const line = (values: readonly string[]): string =>
    `| ${values.map((value, i) => (i === 0 ? value.padEnd(widths[i] ?? 0) : value.padStart(widths[i] ?? 0))).join(' | ')} |`;
  const rule = `| ${widths.map((width, i) => (i === 0 ? '-'.repeat(width) : `${'-'.repeat(width - 1)}:`)).join(' | ')} |`;
  const notes = rows.filter((row) => row.notes).map((row) => `- ${row.scenario}: ${row.notes}`);
  return [line(COLUMNS.map(([name]) => name)), rule, ...cells.map(line), ...(notes.length ? ['', ...notes] : [])].join('\n');
}
