/**
 * One scenario, the same for every side: `count` registrations sent at `rate` per
 * second, callback i due at start + lead + i / rate (so fires arrive at the same rate,
 * while registrations go on: a steady state). Then wait until every accepted callback
 * fired, or fires stop coming for `stallMs` (the quiet-period window); then settle what is
 * left against the system of record (bench/lib/settle.ts) and classify every callback
 * (bench/lib/outcome.ts). The sides plug in how to register and where fires come from.
 */
import { loadavg as osLoad } from 'node:os';
import type { Breakdown, SampledCallback } from './breakdown.js';
import { FireCollector, type FireRecord } from './fire-log.js';
import { classify, type FireCounts, type RegistrationResult } from './outcome.js';
import { pace } from './pacer.js';
import { settle, type SettleSource } from './settle.js';
import { costPerCallback, type ServerCostPerCallback, type ServerCounters } from './temporal-metrics.js';
import { Progress } from './progress.js';
import { distribution, type Distribution } from './stats.js';

export { CLOCK_RESOLUTION_MS } from './outcome.js';

/**
 * ours: delay-callback as configured; ours-lead-off: the same with DISPATCH_LEAD_MS=0; ours-webhook:
 * the same callbacks delivered as webhooks (bench/webhooks.ts); baseline: bare Temporal.
 */
export type SystemName = 'ours' | 'ours-lead-off' | 'ours-webhook' | 'baseline' | 'bullmq';

export interface ScenarioParams {
  rate: number;
  durationSeconds: number;
  /** Delay of every callback from its registration's scheduled instant. */
  leadSeconds: number;
  /** The quiet-period window: fires stopped coming for this long after the last trigger. */
  stallMs: number;
  /** Then the bound on waiting for what has not fired to fire or close. */
  lostWaitMs: number;
  /** Bound on outstanding registrations. */
  maxInFlight: number;
}

export interface SideResult extends FireCounts {
  system: SystemName;
  rate: number;
  count: number;
  /** Answered 201/200. */
  registered: number;
  /** Answered 429/503 (a definite no), by code in `answers`. */
  refused: number;
  /** Answered 503 REGISTRATION_OUTCOME_UNKNOWN. */
  unknownOutcome: number;
  /** Anything else: 500, network error, timeout. */
  registrationErrors: number;
  /** Refusals and errors by code. */
  answers: Record<string, number>;
  firstRegistrationError: string | null;
  achievedRegistrationRate: number;
  registrationLagMaxMs: number;
  /** Accepted registrations. */
  registrationLatencyMs: Distribution;
  /** Every registration, whatever the answer (the "answered within 2 s" target). */
  answerLatencyMs: Distribution;
  duplicates: number;
  laterAttempts: number;
  latenessMs: Distribution;
  deliveredPerSecond: number;
  /** Every registration accepted, nothing lost, early, duplicated or ghostly, p99 lateness < 1 s. */
  sustained: boolean;
  /** How long settling against the system of record took. */
  settleSeconds: number;
  peakRssMb: Record<string, number>;
  /** CPU seconds each process used during the scenario. */
  cpuSeconds: Record<string, number>;
  loadavg: number[];
  /** Where the lateness of a sample of callbacks went, stage by stage (ours only). */
  breakdown?: Breakdown;
  /** What the Temporal server did per delivered callback (Temporal sides). */
  serverCost?: ServerCostPerCallback | null;
}

/** However steadily an overloaded system still delivers, the window ends this long after its last trigger. */
const MAX_DRAIN_MS = 10 * 60_000;

/** Callbacks whose history is read for the breakdown. */
const BREAKDOWN_SAMPLE = 100;

export interface SideDriver extends Partial<SettleSource> {
  system: SystemName;
  /** Registers callback `seq` of `run` due at `triggerAt` (epoch ms); never throws: the answer is the result. */
  register(run: string, seq: number, triggerAt: number): Promise<RegistrationResult>;
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
  const registrations: Array<RegistrationResult | undefined> = new Array(count);
  let answered = 0;
  let accepted = 0;
  let firstError: string | null = null;
  const progress = new Progress(`${driver.system.padEnd(13)} ${String(params.rate).padStart(4)}/s`);
  const show = (): void => progress.update(collector.firstFire.size, count, `answered ${answered}/${count}  fired ${collector.firstFire.size}`);
  const ticker = setInterval(show, 250);
  const countersBefore = await driver.serverCounters?.();

  try {
    const paced = await pace({ count, ratePerSecond: params.rate, startAt, maxInFlight: params.maxInFlight }, async (seq) => {
      const result = await driver.register(run, seq, triggers[seq]!);
      registrations[seq] = result;
      answered++;
      if (result.outcome === 'accepted') accepted++;
      else if (result.outcome === 'error') firstError ??= result.code ?? 'error';
    });

    // The quiet-period window: every accepted callback fired, or none fired for stallMs after the last trigger.
    const lastTrigger = triggers[count - 1] ?? Date.now();
    let lastProgressAt = Date.now();
    let seen = collector.firstFire.size;
    const firedAccepted = (): number => registrations.reduce((n, r, seq) => n + (r?.outcome === 'accepted' && collector.firstFire.has(seq) ? 1 : 0), 0);
    while (firedAccepted() < accepted) {
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
    const windowEndAt = Date.now();
    // Before settling: the lookups below are the bench's own requests, not the server's cost of callbacks.
    const countersAfter = await driver.serverCounters?.();
    const firedByWindowEnd = firedAccepted();

    const pending = registrations.flatMap((r, seq) => (r?.outcome === 'accepted' && r.id !== undefined && !collector.firstFire.has(seq) ? [{ seq, id: r.id }] : []));
    const settled =
      driver.lookup !== undefined
        ? await settle(
            { lookup: driver.lookup.bind(driver), ...(driver.openExecutions ? { openExecutions: driver.openExecutions.bind(driver) } : {}) },
            pending,
            collector.firstFire,
            Date.now() + params.lostWaitMs,
            (open) => progress.update(collector.firstFire.size, count, `settling: ${open} not fired yet, asking the system of record`),
          )
        : { finalStates: new Map(), strayOpen: 0, waitedMs: 0 };
    const c = classify({ triggers, registrations, fires: collector.firstFire, windowEndAt, finalStates: settled.finalStates, strayOpen: settled.strayOpen });
    const latenessMs = distribution(c.lateness);
    const firstTrigger = triggers[0] ?? startAt;
    const fireSpanSeconds = Math.max(0.001, (collector.lastFireAt - firstTrigger) / 1000);
    const result: SideResult = {
      system: driver.system,
      rate: params.rate,
      count,
      registered: c.accepted,
      refused: c.refused,
      unknownOutcome: c.unknown,
      registrationErrors: c.errors,
      answers: c.byCode,
      firstRegistrationError: firstError,
      achievedRegistrationRate: round1(paced.achievedRate),
      registrationLagMaxMs: paced.maxLagMs,
      registrationLatencyMs: distribution(c.acceptedLatencies),
      answerLatencyMs: distribution(c.answerLatencies),
      fired: c.fired,
      lateBeyondWindow: c.lateBeyondWindow,
      lost: c.lost,
      lostNoWorkflow: c.lostNoWorkflow,
      lostClosedUnfired: c.lostClosedUnfired,
      unresolved: c.unresolved,
      ghosts: c.ghosts,
      unknownFired: c.unknownFired,
      duplicates: collector.duplicates,
      laterAttempts: collector.laterAttempts,
      early: c.early,
      latenessMs,
      deliveredPerSecond: round1(c.fired / fireSpanSeconds),
      sustained:
        c.accepted === count && c.lost === 0 && c.unresolved === 0 && c.ghosts === 0 && c.early === 0 && collector.duplicates === 0 && (latenessMs.p99 ?? Infinity) < 1000,
      settleSeconds: round1(settled.waitedMs / 1000),
      peakRssMb: driver.peaks(),
      cpuSeconds: driver.cpu(),
      loadavg: loadavg(),
    };
    if (driver.serverCounters) result.serverCost = costPerCallback(countersBefore ?? null, countersAfter ?? null, firedByWindowEnd);
    if (driver.breakdown) result.breakdown = await driver.breakdown(sampleOf(registrations, triggers, collector.firstFire));
    progress.done(
      `fired ${result.fired}/${result.registered} (refused ${result.refused}, errors ${result.registrationErrors}), lost ${result.lost}, ghosts ${result.ghosts}, ` +
        `p99 ${latenessMs.p99} ms, registration p99 ${result.registrationLatencyMs.p99} ms`,
    );
    return result;
  } finally {
    clearInterval(ticker);
    unsubscribe();
  }
}

function sampleOf(registrations: ReadonlyArray<RegistrationResult | undefined>, triggers: number[], fires: Map<number, number>): SampledCallback[] {
  const sample: SampledCallback[] = [];
  const step = Math.max(1, Math.floor(registrations.length / BREAKDOWN_SAMPLE));
  for (let seq = 0; seq < registrations.length && sample.length < BREAKDOWN_SAMPLE; seq += step) {
    const uid = registrations[seq]?.outcome === 'accepted' ? registrations[seq]?.id : undefined;
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
