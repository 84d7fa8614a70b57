/**
 * The quick check and the sweep: for each offered rate, our stack then BullMQ
 * on the same Redis. Ours stops climbing after its first unsustained rate (the
 * backlog would only load the next one) once past 200/s; the sweep then tries
 * the midpoint below the first failure, so the headline is found to within a step.
 */
import { randomBytes } from 'node:crypto';
import { loadavg } from 'node:os';
import { redisPid, startBullmqSide } from './bullmq.js';
import type { BenchOptions } from './cli.js';
import { oursDriver, watchOurProcesses } from './ours.js';
import { sleep } from './pacer.js';
import { ratiosOf, type RateRun } from './report.js';
import { RssSampler } from './rss.js';
import { runScenario, type ScenarioParams, type SideResult } from './scenario.js';
import type { BenchStack } from './stack.js';

export interface SweepOutcome {
  runs: RateRun[];
  headline: { ours: number | null; bullmq: number | null };
  loadavgAtEnd: number[];
}

/** The registration-latency target is set at this rate (registrations/s). */
const REGISTRATION_TARGET_RATE = 200;

/** Between two scenarios: let the previous one's tail (history writes, completions) settle. */
const COOL_DOWN_MS = 3_000;

export async function runSweep(stack: BenchStack, app: string, options: BenchOptions, workDir: string): Promise<SweepOutcome> {
  const sampler = new RssSampler();
  watchOurProcesses(sampler, stack);
  sampler.watch('redis', await redisPid(stack.redis.url).catch(() => undefined));
  sampler.start();
  const ours = oursDriver(stack, app, sampler);
  const params = (rate: number): ScenarioParams => ({
    rate,
    durationSeconds: options.durationSeconds,
    leadSeconds: options.leadSeconds,
    stallMs: 15_000,
    maxInFlight: 512,
  });
  // Warm-up (not recorded): JIT, connections and the workflow cache of a freshly started stack.
  await runScenario(ours, runId('warm-up', 50), { ...params(50), durationSeconds: 4, leadSeconds: 2 });
  await sleep(COOL_DOWN_MS);

  const runs = new Map<number, RateRun>();
  const runAt = async (rate: number, sides: { ours: boolean; bullmq: boolean }): Promise<void> => {
    const run: RateRun = runs.get(rate) ?? { rate };
    runs.set(rate, run);
    if (sides.ours) {
      sampler.reset();
      run.ours = await runScenario(ours, runId('ours', rate), params(rate));
      await sleep(COOL_DOWN_MS);
    }
    if (sides.bullmq) {
      const bullmq = await startBullmqSide(stack.redis.url, workDir, sampler);
      try {
        sampler.reset();
        run.bullmq = await runScenario(bullmq.driver, runId('bullmq', rate), params(rate));
      } finally {
        await bullmq.close();
      }
      await sleep(COOL_DOWN_MS);
    }
    if (run.ours && run.bullmq) run.ratios = ratiosOf(run.ours, run.bullmq);
  };

  let lastPass: number | null = null;
  let firstFail: number | null = null;
  for (const rate of options.rates) {
    // Past its first unsustained rate ours only piles up a backlog, except up to the rate of the
    // registration-latency target, and in --quick, whose point is the figures at both rates.
    const oursToo = firstFail === null || rate <= REGISTRATION_TARGET_RATE || options.mode === 'quick';
    await runAt(rate, { ours: oursToo, bullmq: options.bullmq });
    const result = runs.get(rate)?.ours;
    if (result && firstFail === null) {
      if (result.sustained) lastPass = rate;
      else firstFail = rate;
    }
  }
  if (options.mode === 'sweep' && firstFail !== null) {
    const low = lastPass ?? 0;
    const mid = Math.round((low + firstFail) / 2 / 10) * 10;
    if (mid > low && mid < firstFail) await runAt(mid, { ours: true, bullmq: options.bullmq });
  }
  sampler.stop();

  const sorted = [...runs.values()].sort((a, b) => a.rate - b.rate);
  return {
    runs: sorted,
    headline: { ours: highestSustained(sorted.map((run) => run.ours)), bullmq: highestSustained(sorted.map((run) => run.bullmq)) },
    loadavgAtEnd: loadavg().map((value) => Math.round(value * 100) / 100),
  };
}

/** The highest rate sustained with every lower rate sustained too. */
function highestSustained(results: Array<SideResult | undefined>): number | null {
  let best: number | null = null;
  for (const result of results) {
    if (!result) continue;
    if (!result.sustained) break;
    best = result.rate;
  }
  return best;
}

function runId(system: string, rate: number): string {
  return `${system}-${rate}-${randomBytes(3).toString('hex')}`;
}
