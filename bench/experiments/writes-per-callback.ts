/**
 * Experiment: what the Temporal server writes and reads per callback, including
 * the visibility store (the bench's table counts `persistence_requests` only;
 * visibility writes are `visibility_persistence_requests`). The same scenario as
 * `npm run bench` (registrations over HTTP at a steady rate, each due a few
 * seconds later, fires recorded by the app worker), then the deltas of both
 * metric families divided by the callbacks delivered.
 *
 * Usage: npx tsx bench/experiments/writes-per-callback.ts [rate=30] [seconds=20] [KEY=VALUE ...]
 *   KEY=VALUE pairs go to our processes' environment, e.g. DISPATCH_LEAD_MS=0.
 */
import { randomBytes } from 'node:crypto';
import { mkdir, rm } from 'node:fs/promises';
import { loadavg } from 'node:os';
import { join, resolve } from 'node:path';
import { buildForBench, buildProject } from '../lib/build.js';
import { OUR_PROCESSES, oursDriver, watchOurProcesses } from '../lib/ours.js';
import { sleep } from '../lib/pacer.js';
import { RssSampler } from '../lib/rss.js';
import { runScenario } from '../lib/scenario.js';
import { setBenchCodeDir, startBenchStack } from '../lib/stack.js';

/** `metric{labels} value` lines summed by `service:operation`. */
function sums(text: string, metric: string): Record<string, number> {
  const out: Record<string, number> = {};
  for (const match of text.matchAll(new RegExp(`^${metric}\\{([^}]*)\\} ([0-9.e+-]+)$`, 'gm'))) {
    const labels = match[1] ?? '';
    const key = `${/service_name="([^"]*)"/.exec(labels)?.[1] ?? '?'}:${/operation="([^"]*)"/.exec(labels)?.[1] ?? '?'}`;
    out[key] = (out[key] ?? 0) + Number(match[2]);
  }
  return out;
}

function perCallback(before: Record<string, number>, after: Record<string, number>, callbacks: number): Array<[string, number]> {
  return Object.keys(after)
    .map((key) => [key, ((after[key] ?? 0) - (before[key] ?? 0)) / callbacks] as [string, number])
    .filter(([, value]) => value >= 0.01)
    .sort((a, b) => b[1] - a[1]);
}

async function main(): Promise<void> {
  const [rateArg, secondsArg, ...pairs] = process.argv.slice(2);
  const rate = Number(rateArg ?? 30);
  const seconds = Number(secondsArg ?? 20);
  const env = Object.fromEntries(pairs.map((pair) => [pair.slice(0, pair.indexOf('=')), pair.slice(pair.indexOf('=') + 1)]));
  const root = resolve(import.meta.dirname, '..', '..');
  const workDir = join(root, 'bench', 'results', 'tmp', `writes-${Date.now()}`);
  await mkdir(workDir, { recursive: true });
  const app = `exp-${randomBytes(3).toString('hex')}`;
  buildProject();
  const codeDir = await buildForBench(join(workDir, 'build'));
  setBenchCodeDir(codeDir);
  const stack = await startBenchStack({ kind: 'bench', workDir, codeDir, app, env, dynamicConfig: {} });
  const metricsUrl = stack.temporalMetricsUrl;
  if (!metricsUrl) throw new Error('the bench stack has no Temporal metrics endpoint');
  const sampler = new RssSampler();
  watchOurProcesses(sampler, stack);
  sampler.start();
  const scrape = async (): Promise<string> => (await fetch(metricsUrl)).text();
  try {
    const driver = await oursDriver(stack, app, sampler);
    await runScenario(driver, 'warm-up', { rate, durationSeconds: 3, leadSeconds: 3, stallMs: 15_000, maxInFlight: 512, lostWaitMs: 120_000 });
    await sleep(3_000);
    const loadBefore = loadavg()[0];
    const before = await scrape();
    const result = await runScenario(driver, 'measured', { rate, durationSeconds: seconds, leadSeconds: 3, stallMs: 15_000, maxInFlight: 512, lostWaitMs: 120_000 });
    await sleep(3_000); // the last visibility tasks
    const after = await scrape();
    const callbacks = Math.max(1, result.fired);
    const main = perCallback(sums(before, 'persistence_requests'), sums(after, 'persistence_requests'), callbacks);
    const visibility = perCallback(sums(before, 'visibility_persistence_requests'), sums(after, 'visibility_persistence_requests'), callbacks);
    const total = (rows: Array<[string, number]>): string => rows.reduce((sum, [, v]) => sum + v, 0).toFixed(2);
    console.log(`\n${JSON.stringify(env)} at ${rate}/s for ${seconds} s: ${result.fired} fired, lost ${result.lost}, early ${result.early}, duplicates ${result.duplicates}`);
    console.log(`lateness ms: p50 ${result.latenessMs.p50}, p90 ${result.latenessMs.p90}, p99 ${result.latenessMs.p99}, max ${result.latenessMs.max}; load ${loadBefore} -> ${loadavg()[0]}`);
    console.log(`database requests per callback: ${total(main)} (main store) + ${total(visibility)} (visibility store)`);
    for (const [key, value] of [...main, ...visibility.map(([k, v]) => [`visibility ${k}`, v] as [string, number])]) {
      console.log(`  ${key.padEnd(48)} ${value.toFixed(2)}`);
    }
    console.log(`peak RSS MB: ${JSON.stringify(result.peakRssMb)} (${OUR_PROCESSES.join(', ')})`);
  } finally {
    sampler.stop();
    await stack.stop();
    await rm(workDir, { recursive: true, force: true });
  }
}

await main();
process.exit(0);
