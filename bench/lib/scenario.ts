/**
 * One scenario, the same for both systems: `count` registrations sent at `rate`
 * per second, callback i due at start + lead + i / rate (so fires arrive at the
 * same rate, while registrations go on: a steady state). Then wait until every
 * registered callback fired, or fires stop coming for `stallMs`; what never
 * fired is lost. The two sides plug in how to register and where fires come from.
 */
import { loadavg as osLoad } from 'node:os';
import type { Breakdown, SampledCallback } from './breakdown.js';
import { FireCollector, type FireRecord } from './fire-log.js';
import { pace } from './pacer.js';
import { costPerCallback, type ServerCostPerCallback, type ServerCounters } from './temporal-metrics.js';
import { Progress } from './progress.js';
import { distribution, type Distribution } from './stats.js';

export interface ScenarioParams {
  rate: number;
  durationSeconds: number;
  /** Delay of every callback from its registration's scheduled instant. */
  leadSeconds: number;
  /** Fires stopped coming for this long after the last trigger: the rest is lost. */
  stallMs: number;
  /** Bound on outstanding registrations. */
  maxInFlight: number;
}

export interface SideResult {
  system: 'ours' | 'bullmq';
  rate: number;
  count: number;
  registered: number;
  registrationErrors: number;
  firstRegistrationError: string | null;
  achievedRegistrationRate: number;
  registrationLagMaxMs: number;
  registrationLatencyMs: Distribution;
  fired: number;
  lost: number;
  duplicates: number;
  laterAttempts: number;
  early: number;
  latenessMs: Distribution;
  deliveredPerSecond: number;
  /** p99 lateness < 1 s and nothing lost, early or duplicated. */
  sustained: boolean;
  peakRssMb: Record<string, number>;
  /** CPU seconds each process used during the scenario. */
  cpuSeconds: Record<string, number>;
  loadavg: number[];
  /** Where the lateness of a sample of callbacks went, stage by stage (ours only). */
  breakdown?: Breakdown;
  /** What the Temporal server did per delivered callback (ours only). */
  serverCost?: ServerCostPerCallback | null;
}

/** However steadily an overloaded system still delivers, a scenario ends this long after its last trigger. */
const MAX_DRAIN_MS = 10 * 60_000;

/** Callbacks whose history is read for the breakdown. */
const BREAKDOWN_SAMPLE = 100;

/** Fire times are Date.now() milliseconds on the same machine: one tick of slack. */
export const CLOCK_RESOLUTION_MS = 1;

export interface SideDriver {
  system: SideResult['system'];
  /** Registers callback `seq` of `run` due at `triggerAt` (epoch ms); throws on failure. Returns its id, if any. */
  register(run: string, seq: number, triggerAt: number): Promise<string | void>;
  /** Counters of the server side, read before and after the scenario. */
  serverCounters?(): Promise<ServerCounters | null>;
  /** Splits the lateness of a sample into stages. */
  breakdown?(sample: SampledCallback[]): Promise<Breakdown>;
  /** Subscribes to fire records; returns the unsubscribe function. */
  onFire(listener: (record: FireRecord) => void): () => void;
  /** Peak RSS of the side's processes during the scenario. */
  peaks(): Record<string, number>;
  /** CPU seconds of the side's processes during the scenario. */
  cpu(): Record<string, number>;
}

export async function runScenario(driver: SideDriver, run: string, params: ScenarioParams): Promise<SideResult> {
  const count = Math.round(params.rate * params.durationSeconds);
  const collector = new FireCollector(run);
  const unsubscribe = driver.onFire((record) => collector.add(record));
  const startAt = Date.now() + 300;
  const triggers = Array.from({ length: count }, (_, i) => Math.round(startAt + params.leadSeconds * 1000 + (i * 1000) / params.rate));
  const registered = new Uint8Array(count);
  const ids: Array<string | undefined> = new Array(count);
  const latencies: number[] = [];
  let errors = 0;
  let firstError: string | null = null;
  const progress = new Progress(`${driver.system.padEnd(6)} ${String(params.rate).padStart(4)}/s`);
  const show = (): void =>
    progress.update(collector.firstFire.size, count, `registered ${latencies.length}/${count}  fired ${collector.firstFire.size}`);
  const ticker = setInterval(show, 250);
  const countersBefore = await driver.serverCounters?.();

  try {
    const paced = await pace({ count, ratePerSecond: params.rate, startAt, maxInFlight: params.maxInFlight }, async (seq) => {
      const sent = performance.now();
      try {
        ids[seq] = (await driver.register(run, seq, triggers[seq]!)) ?? undefined;
        latencies.push(performance.now() - sent);
        registered[seq] = 1;
      } catch (err) {
        errors++;
        firstError ??= err instanceof Error ? err.message : String(err);
      }
    });
    const expected = count - errors;
    const lastTrigger = triggers[count - 1] ?? Date.now();
    let lastProgressAt = Date.now();
    let seen = collector.firstFire.size;
    while (collector.firstFire.size < expected) {
      await new Promise((resolve) => setTimeout(resolve, 200));
      if (collector.firstFire.size !== seen) {
        seen = collector.firstFire.size;
        lastProgressAt = Date.now();
      }
      if (Date.now() > lastTrigger && Date.now() - Math.max(lastProgressAt, lastTrigger) > params.stallMs) break;
      if (Date.now() - lastTrigger > MAX_DRAIN_MS) break;
    }
    // Late reports of the last batch (the children flush every 100 ms), and any duplicate.
    await new Promise((resolve) => setTimeout(resolve, 500));

    const lateness: number[] = [];
    let early = 0;
    let lost = 0;
    for (let seq = 0; seq < count; seq++) {
      if (!registered[seq]) continue;
      const firedAt = collector.firstFire.get(seq);
      if (firedAt === undefined) {
        lost++;
        continue;
      }
      const late = firedAt - triggers[seq]!;
      if (late < -CLOCK_RESOLUTION_MS) early++;
      lateness.push(late);
    }
    const latenessMs = distribution(lateness);
    const firstTrigger = triggers[0] ?? startAt;
    const fireSpanSeconds = Math.max(0.001, (collector.lastFireAt - firstTrigger) / 1000);
    const result: SideResult = {
      system: driver.system,
      rate: params.rate,
      count,
      registered: count - errors,
      registrationErrors: errors,
      firstRegistrationError: firstError,
      achievedRegistrationRate: round1(paced.achievedRate),
      registrationLagMaxMs: paced.maxLagMs,
      registrationLatencyMs: distribution(latencies),
      fired: collector.firstFire.size,
      lost,
      duplicates: collector.duplicates,
      laterAttempts: collector.laterAttempts,
      early,
      latenessMs,
      deliveredPerSecond: round1(collector.firstFire.size / fireSpanSeconds),
      sustained: lost === 0 && early === 0 && collector.duplicates === 0 && errors === 0 && (latenessMs.p99 ?? Infinity) < 1000,
      peakRssMb: driver.peaks(),
      cpuSeconds: driver.cpu(),
      loadavg: loadavg(),
    };
    if (driver.serverCounters) result.serverCost = costPerCallback(countersBefore ?? null, await driver.serverCounters(), result.fired);
    if (driver.breakdown) result.breakdown = await driver.breakdown(sampleOf(ids, triggers, collector.firstFire));
    progress.done(
      `fired ${result.fired}/${result.registered}, lost ${lost}, p99 ${latenessMs.p99} ms, registration p99 ${result.registrationLatencyMs.p99} ms`,
    );
    return result;
  } finally {
    clearInterval(ticker);
    unsubscribe();
  }
}

function sampleOf(ids: Array<string | undefined>, triggers: number[], fires: Map<number, number>): SampledCallback[] {
  const sample: SampledCallback[] = [];
  const step = Math.max(1, Math.floor(ids.length / BREAKDOWN_SAMPLE));
  for (let seq = 0; seq < ids.length && sample.length < BREAKDOWN_SAMPLE; seq += step) {
    const uid = ids[seq];
    const firedAt = fires.get(seq);
    if (uid !== undefined && firedAt !== undefined) sample.push({ uid, triggerAt: triggers[seq]!, firedAt });
  }
  return sample;
}

export function round1(value: number): number {
  return Math.round(value * 10) / 10;
}

/** The machine's 1, 5 and 15 minute load averages (other engineers share it). */
export function loadavg(): number[] {
  return osLoad().map(round2);
}

function round2(value: number): number {
  return Math.round(value * 100) / 100;
}
