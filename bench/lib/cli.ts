/** Command line of `npm run bench`: the mode and the knobs of tuning experiments. */
import { parseArgs } from 'node:util';

export type BenchMode = 'quick' | 'sweep' | 'pending';

export interface BenchOptions {
  mode: BenchMode;
  /** Offered rates, fires/s (and registrations/s). */
  rates: number[];
  durationSeconds: number;
  leadSeconds: number;
  /** Pending mode: how many far-future callbacks. */
  pending: number;
  /** Pending mode: registrations in flight at once. */
  concurrency: number;
  bullmq: boolean;
  /** Environment for our processes (e.g. WORKER_MAX_CACHED_WORKFLOWS=500). */
  env: Record<string, string>;
  dynamicConfig: Record<string, string | number | boolean>;
  /** Where the JSON and SVG go. */
  outDir: string;
  /** Name of the result files (default: the mode). */
  name: string;
}

export const USAGE = `usage: npm run bench -- [--quick | --pending N] [options]

  (no mode)            sweep of rates; the headline is the highest rate with p99 lateness < 1 s and nothing lost
  --quick              a short check (two rates, 10 s each), under 3 minutes
  --pending N          register N far-future callbacks: registration rate, RSS, DB bytes per callback, GET/list/cancel
  --rates 50,100,...   offered rates (fires/s)          --duration S   seconds of load per rate
  --lead S             delay of each callback            --concurrency C  pending mode: requests in flight
  --no-bullmq          skip the BullMQ side               --out DIR      results folder (default bench/results)
  --set KEY=VALUE      environment of our processes (repeatable), e.g. WORKER_MAX_CACHED_WORKFLOWS=500
  --dc KEY=VALUE       Temporal dev server dynamic config (repeatable)
  --name NAME          result file name (default: the mode)`;

export function parseBenchArgs(argv: string[]): BenchOptions {
  const { values } = parseArgs({
    args: argv,
    options: {
      quick: { type: 'boolean', default: false },
      pending: { type: 'string' },
      rates: { type: 'string' },
      duration: { type: 'string' },
      lead: { type: 'string' },
      concurrency: { type: 'string' },
      'no-bullmq': { type: 'boolean', default: false },
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
  const number = (raw: string | undefined, fallback: number, what: string): number => {
    if (raw === undefined) return fallback;
    const value = Number(raw);
    if (!Number.isFinite(value) || value <= 0) throw new Error(`${what} must be a positive number (got "${raw}")`);
    return value;
  };
  const rates = values.rates
    ? values.rates.split(',').map((rate) => number(rate.trim(), 0, '--rates'))
    : mode === 'quick'
      ? [100, 200]
      : [50, 100, 200, 400, 600, 800];
  return {
    mode,
    rates: [...rates].sort((a, b) => a - b),
    durationSeconds: number(values.duration, mode === 'quick' ? 10 : 30, '--duration'),
    leadSeconds: number(values.lead, mode === 'quick' ? 3 : 5, '--lead'),
    pending: Math.round(number(values.pending, 100_000, '--pending')),
    concurrency: Math.round(number(values.concurrency, 32, '--concurrency')),
    bullmq: !values['no-bullmq'],
    env: pairs(values.set, '--set'),
    dynamicConfig: Object.fromEntries(Object.entries(pairs(values.dc, '--dc')).map(([key, value]) => [key, typed(value)])),
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
