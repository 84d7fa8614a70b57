/** Command line of `npm run bench`: the mode, the stack and the knobs of tuning experiments. */
import { parseArgs } from 'node:util';
import type { StackKind } from './stack.js';

export type BenchMode = 'quick' | 'sweep' | 'pending';

export interface BenchOptions {
  mode: BenchMode;
  /** bench: the bench starts the parts itself, as npm run dev does; dev: `npm run dev` itself. */
  stack: StackKind;
  /** Offered rates, fires/s (and registrations/s). */
  rates: number[];
  durationSeconds: number;
  leadSeconds: number;
  /** After the quiet-period window, how long to wait for what has not fired to fire or close. */
  lostWaitSeconds: number;
  /** Pending mode: how many far-future callbacks. */
  pending: number;
  /** Pending mode: registrations in flight at once. */
  concurrency: number;
  bullmq: boolean;
  baseline: boolean;
  /** Run ours a second time with DISPATCH_LEAD_MS=0. */
  compareLead: boolean;
  /** --stack dev: Temporal's database folder, kept (default: a fresh one, deleted). */
  dataDir?: string;
  /** Environment for our processes (e.g. WORKER_MAX_CACHED_WORKFLOWS=500). */
  env: Record<string, string>;
  dynamicConfig: Record<string, string | number | boolean>;
  /** Where the JSON and SVG go. */
  outDir: string;
  /** Name of the result files (default: the mode). */
  name: string;
}

export const USAGE = `usage: npm run bench -- [--quick | --pending N] [options]

  (no mode)            sweep of rates; the headline is each side's highest rate sustained (every registration
                       accepted, p99 lateness < 1 s, nothing lost, early, duplicated or ghostly)
  --quick              a short check: 30, 100 and 200 fires/s, 10 s each, every side; about 5 minutes
  --pending N          register N far-future callbacks: registration rate, RSS, DB bytes per callback, GET/list/cancel
  --stack bench|dev    bench (default): the bench starts the parts as npm run dev does; dev: runs npm run dev itself
  --data-dir DIR       with --stack dev: Temporal's database folder, kept afterwards (to measure a used database)
  --compare-lead       run ours again with DISPATCH_LEAD_MS=0 (pre-dispatch off) at the same rates
  --rates 30,100,...   offered rates (fires/s)          --duration S   seconds of load per rate
  --lead S             delay of each callback            --concurrency C  pending mode: requests in flight
  --lost-wait S        after fires stop, how long to wait for the rest to fire or close in Temporal (default 900)
  --no-bullmq          skip the BullMQ side               --no-baseline  skip the bare-Temporal baseline
  --out DIR            results folder (default bench/results; bench/results/tmp for --quick)
  --set KEY=VALUE      environment of our processes (repeatable), e.g. DISPATCH_LEAD_MS=0
  --dc KEY=VALUE       Temporal dev server dynamic config (repeatable; --stack bench only)
  --name NAME          result file name (default: the mode)`;

export function parseBenchArgs(argv: string[]): BenchOptions {
  const { values } = parseArgs({
    args: argv,
    options: {
      quick: { type: 'boolean', default: false },
      pending: { type: 'string' },
      stack: { type: 'string', default: 'bench' },
      'data-dir': { type: 'string' },
      'compare-lead': { type: 'boolean', default: false },
      rates: { type: 'string' },
      duration: { type: 'string' },
      lead: { type: 'string' },
      'lost-wait': { type: 'string' },
      concurrency: { type: 'string' },
      'no-bullmq': { type: 'boolean', default: false },
      'no-baseline': { type: 'boolean', default: false },
      out: { type: 'string' },
      set: { type: 'string', multiple: true, default: [] },
      dc: { type: 'string', multiple: true, default: [] },
      name: { type: 'string' },
      help: { type: 'boolean', default: false },
    },
    strict: true,
  });
  if (values.help) {
    console.log(USAGE);
    process.exit(0);
  }
  const mode: BenchMode = values.pending !== undefined ? 'pending' : values.quick ? 'quick' : 'sweep';
  if (values.stack !== 'bench' && values.stack !== 'dev') throw new Error(`--stack is bench or dev (got "${values.stack}")`);
  if (values['data-dir'] !== undefined && values.stack !== 'dev') throw new Error('--data-dir goes with --stack dev');
  const dynamicConfig = Object.fromEntries(Object.entries(pairs(values.dc, '--dc')).map(([key, value]) => [key, typed(value)]));
  if (values.stack === 'dev' && Object.keys(dynamicConfig).length > 0) throw new Error('--dc needs --stack bench: npm run dev takes no extra dynamic config');
  const number = (raw: string | undefined, fallback: number, what: string): number => {
    if (raw === undefined) return fallback;
    const value = Number(raw);
    if (!Number.isFinite(value) || value <= 0) throw new Error(`${what} must be a positive number (got "${raw}")`);
    return value;
  };
  const rates = values.rates
    ? values.rates.split(',').map((rate) => number(rate.trim(), 0, '--rates'))
    : mode === 'quick'
      ? [30, 100, 200]
      : [30, 50, 100, 200, 400, 600, 800];
  return {
    mode,
    stack: values.stack,
    rates: [...rates].sort((a, b) => a - b),
    durationSeconds: number(values.duration, mode === 'quick' ? 10 : 30, '--duration'),
    leadSeconds: number(values.lead, mode === 'quick' ? 3 : 5, '--lead'),
    lostWaitSeconds: number(values['lost-wait'], 900, '--lost-wait'),
    pending: Math.round(number(values.pending, 100_000, '--pending')),
    concurrency: Math.round(number(values.concurrency, 32, '--concurrency')),
    bullmq: !values['no-bullmq'],
    baseline: !values['no-baseline'],
    compareLead: values['compare-lead'],
    ...(values['data-dir'] !== undefined ? { dataDir: values['data-dir'] } : {}),
    env: pairs(values.set, '--set'),
    dynamicConfig,
    outDir: values.out ?? (mode === 'quick' ? 'bench/results/tmp' : 'bench/results'),
    name: values.name ?? mode,
  };
}

function pairs(entries: string[], flag: string): Record<string, string> {
  const result: Record<string, string> = {};
  for (const entry of entries) {
    const eq = entry.indexOf('=');
    if (eq <= 0) throw new Error(`${flag} takes KEY=VALUE (got "${entry}")`);
    result[entry.slice(0, eq)] = entry.slice(eq + 1);
  }
  return result;
}

function typed(value: string): string | number | boolean {
  if (value === 'true' || value === 'false') return value === 'true';
  return /^-?\d+(\.\d+)?$/.test(value) ? Number(value) : value;
}
