/**
 * The quick check and the sweep: for each offered rate, ours, the bare-Temporal
 * baseline, then BullMQ on the same Redis. The baseline stops climbing after its first
 * unsustained rate (the backlog would only load the next one), ours too once past 200/s
 * (every rate in --quick); the sweep then tries the midpoint below each one's first failure. With --compare-lead, our
 * processes are restarted with DISPATCH_LEAD_MS=0 and ours runs again at the same rates.
 */
import { randomBytes } from 'node:crypto';
import { loadavg } from 'node:os';
import { bundleBaseline, startBaselineSide, type BaselineSide } from './baseline.js';
import { redisPid, startBullmqSide } from './bullmq.js';
import type { BenchOptions } from './cli.js';
import { oursDriver, watchOurProcesses } from './ours.js';
import { sleep } from './pacer.js';
import { headlineOf, ratiosOf, type Headline, type Ratios } from './ratios.js';
import { RssSampler } from './rss.js';
import { runScenario, type ScenarioParams, type SideDriver, type SideResult, type SystemName } from './scenario.js';
import type { BenchStack } from './stack.js';

export type RateRun = { rate: number; ratios?: { vsBaseline?: Ratios; vsBullmq?: Ratios; leadOffVsOurs?: Ratios } } & Partial<Record<SystemName, SideResult>>;

export interface SweepOutcome {
  runs: RateRun[];
  headline: Headline;
  /** What the two series of ours were run with (--compare-lead). */
  leadSeries: { ours: string; 'ours-lead-off'?: string };
  loadavgAtEnd: number[];
}

/** Temporal sides always run up to this rate: the "answered within 2 s past capacity" target needs a rate past it. */
const ALWAYS_UP_TO = 200;

/** Between two scenarios: let the previous one's tail (history writes, completions) settle. */
const COOL_DOWN_MS = 3_000;

export async function runSweep(stack: BenchStack, app: string, options: BenchOptions, workDir: string, codeDir: string, leadLabel: string): Promise<SweepOutcome> {
  const sampler = new RssSampler();
  watchOurProcesses(sampler, stack);
  sampler.watch('redis', await redisPid(stack.redis.url).catch(() => undefined));
  sampler.start();
  const params = (rate: number): ScenarioParams => ({
    rate,
    durationSeconds: options.durationSeconds,
    leadSeconds: options.leadSeconds,
    stallMs: 15_000,
    lostWaitMs: options.lostWaitSeconds * 1000,
    maxInFlight: 512,
  });
  const warmUp = async (driver: SideDriver): Promise<void> => {
    // Not recorded: JIT, connections and caches of freshly started processes.
    await runScenario(driver, runId(`warm-up-${driver.system}`, 50), { ...params(50), durationSeconds: 4, leadSeconds: 2 });
    await sleep(COOL_DOWN_MS);
  };
  const runs = new Map<number, RateRun>();
  const record = async (driver: SideDriver, rate: number): Promise<SideResult> => {
    const run: RateRun = runs.get(rate) ?? { rate };
    runs.set(rate, run);
    sampler.reset();
    const result = await runScenario(driver, runId(driver.system, rate), params(rate));
    run[driver.system] = result;
    await sleep(COOL_DOWN_MS);
    return result;
  };

  let ours = await oursDriver(stack, app, sampler);
  let baseline: BaselineSide | undefined;
  try {
    await warmUp(ours);
    if (options.baseline) {
      baseline = await startBaselineSide(stack, await bundleBaseline(codeDir, workDir), workDir, sampler);
      await warmUp(baseline.driver);
    }
    const climbing = { ours: { lastPass: null as number | null, firstFail: null as number | null }, baseline: { lastPass: null as number | null, firstFail: null as number | null } };
    // Ours runs every rate in --quick and up to 200/s in the sweep (the "answered within 2 s past capacity"
    // target needs a rate past it); the baseline only has to show its highest sustained rate.
    const keepsClimbing = (driver: SideDriver, rate: number): boolean =>
      driver.system !== 'baseline' && (options.mode === 'quick' || rate <= ALWAYS_UP_TO);
    const step = async (driver: SideDriver, state: { lastPass: number | null; firstFail: number | null }, rate: number): Promise<void> => {
      if (state.firstFail !== null && !keepsClimbing(driver, rate)) return;
      const result = await record(driver, rate);
      if (state.firstFail === null) {
        if (result.sustained) state.lastPass = rate;
        else state.firstFail = rate;
      }
    };
    for (const rate of options.rates) {
      await step(ours, climbing.ours, rate);
      if (baseline) await step(baseline.driver, climbing.baseline, rate);
      if (options.bullmq) {
        const bullmq = await startBullmqSide(stack.redis.url, workDir, sampler);
        try {
          await record(bullmq.driver, rate);
        } finally {
          await bullmq.close();
        }
      }
    }
    if (options.mode === 'sweep') {
      for (const [driver, state] of [[ours, climbing.ours], [baseline?.driver, climbing.baseline]] as const) {
        if (!driver || state.firstFail === null) continue;
        const low = state.lastPass ?? 0;
        const mid = Math.round((low + state.firstFail) / 2 / 10) * 10;
        if (mid > low && mid < state.firstFail) await record(driver, mid);
      }
    }
    await baseline?.close();
    baseline = undefined;

    const leadSeries: SweepOutcome['leadSeries'] = { ours: leadLabel };
    if (options.compareLead) {
      // Our processes read DISPATCH_LEAD_MS at start: restart them with pre-dispatch off, same data.
      await ours.close();
      console.error('[bench] restarting our processes with DISPATCH_LEAD_MS=0 (--compare-lead)');
      await stack.restartOurs({ DISPATCH_LEAD_MS: '0' });
      watchOurProcesses(sampler, stack);
      ours = await oursDriver(stack, app, sampler, 'ours-lead-off');
      await warmUp(ours);
      for (const rate of [...runs.values()].filter((run) => run.ours).map((run) => run.rate).sort((a, b) => a - b)) await record(ours, rate);
      leadSeries['ours-lead-off'] = 'DISPATCH_LEAD_MS=0 (pre-dispatch off)';
    }

    for (const run of runs.values()) {
      run.ratios = {
        ...(run.ours && run.baseline ? { vsBaseline: ratiosOf(run.ours, run.baseline) } : {}),
        ...(run.ours && run.bullmq ? { vsBullmq: ratiosOf(run.ours, run.bullmq) } : {}),
        ...(run.ours && run['ours-lead-off'] ? { leadOffVsOurs: ratiosOf(run['ours-lead-off'], run.ours) } : {}),
      };
    }
    const sorted = [...runs.values()].sort((a, b) => a.rate - b.rate);
    return { runs: sorted, headline: headlineOf(sorted), leadSeries, loadavgAtEnd: loadavg().map((value) => Math.round(value * 100) / 100) };
  } finally {
    sampler.stop();
    await baseline?.close().catch(() => undefined);
    await ours.close().catch(() => undefined);
  }
}

function runId(system: string, rate: number): string {
  return `${system}-${rate}-${randomBytes(3).toString('hex')}`;
}
