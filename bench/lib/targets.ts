/**
 * SPEC section 8's targets, checked against the figures (pure; test/unit/bench-targets.test.ts).
 * A missed speed or memory target is reported (MISSED, with the figure); only lost, ghost,
 * early or duplicate fires, a registration error (an answer other than 201/200/429/503), or
 * an error of the bench itself make the bench exit non-zero.
 */
import type { Headline } from './ratios.js';
import type { SideResult } from './scenario.js';

export interface TargetCheck {
  name: string;
  target: string;
  measured: string;
  /** null: not measured in this mode. */
  met: boolean | null;
  /** A correctness target: missing it fails the run. */
  fatal: boolean;
}

/** The targets' figures, in one place. */
export const TARGETS = {
  latencyRate: 30,
  latenessP50Ms: 5,
  latenessP99Ms: 20,
  sustainedVsBaseline: 0.9,
  dbRequestsPerCallback: 11,
  storageBytesPerCallback: 10_000,
  rssMb: 300,
  answerWithinMs: 2_000,
} as const;

/** Ours in both lead series: anything lost, ghostly, early or duplicated, or a registration error, fails the run. */
export function correctnessChecks(results: readonly SideResult[]): TargetCheck[] {
  const ours = results.filter((r) => r.system === 'ours' || r.system === 'ours-lead-off');
  const sum = (pick: (r: SideResult) => number): number => ours.reduce((total, r) => total + pick(r), 0);
  const check = (name: string, value: number, detail = ''): TargetCheck => ({ name, target: '0', measured: `${value}${detail}`, met: value === 0, fatal: true });
  const lost = sum((r) => r.lost);
  const unresolved = sum((r) => r.unresolved);
  return [
    check('lost fires (decided against Temporal)', lost + unresolved, unresolved > 0 ? ` (${unresolved} still not fired when the wait ended)` : ''),
    check('ghost fires (a fire or open workflow for a registration not answered 201/200)', sum((r) => r.ghosts)),
    check('early fires', sum((r) => r.early)),
    check('duplicate fires', sum((r) => r.duplicates)),
    check('registration errors (answers other than 201/200/429/503)', sum((r) => r.registrationErrors)),
  ];
}

/** Speed targets of the sweep and --quick, from our default series. */
export function speedChecks(results: readonly SideResult[], headline: Headline): TargetCheck[] {
  const ours = results.filter((r) => r.system === 'ours').sort((a, b) => a.rate - b.rate);
  const atLatencyRate = ours.find((r) => r.rate === TARGETS.latencyRate);
  const p50 = atLatencyRate?.latenessMs.p50 ?? null;
  const p99 = atLatencyRate?.latenessMs.p99 ?? null;
  const vsBaseline = headline.oursVsBaseline.sustained;
  const lowest = ours.find((r) => r.serverCost);
  const dbRequests = lowest?.serverCost?.persistenceTotalPerCallback ?? null;
  const slowest = ours.reduce<SideResult | undefined>((worst, r) => ((r.answerLatencyMs.max ?? 0) > (worst?.answerLatencyMs.max ?? -1) ? r : worst), undefined);
  const slowestAnswer = slowest?.answerLatencyMs.max ?? null;
  const notRun = `not run (no ${TARGETS.latencyRate}/s rate)`;
  return [
    {
      name: `fire lateness p50 at ${TARGETS.latencyRate} fires/s`,
      target: `<= ${TARGETS.latenessP50Ms} ms`,
      measured: p50 === null ? notRun : `${p50} ms`,
      met: p50 === null ? null : p50 <= TARGETS.latenessP50Ms,
      fatal: false,
    },
    {
      name: `fire lateness p99 at ${TARGETS.latencyRate} fires/s`,
      target: `<= ${TARGETS.latenessP99Ms} ms`,
      measured: p99 === null ? notRun : `${p99} ms`,
      met: p99 === null ? null : p99 <= TARGETS.latenessP99Ms,
      fatal: false,
    },
    {
      name: 'sustained rate, ours / bare Temporal',
      target: `>= ${TARGETS.sustainedVsBaseline}`,
      measured:
        vsBaseline === null
          ? 'baseline not run or sustained no rate'
          : `${vsBaseline} (ours ${headline.sustained.ours ?? 'none'} fires/s, baseline ${headline.sustained.baseline} fires/s)`,
      met: vsBaseline === null ? null : vsBaseline >= TARGETS.sustainedVsBaseline,
      fatal: false,
    },
    {
      name: `Temporal database requests per callback${lowest ? ` (at ${lowest.rate}/s)` : ''}`,
      target: `<= ${TARGETS.dbRequestsPerCallback}`,
      measured: dbRequests === null ? 'not measured (no Temporal /metrics)' : String(dbRequests),
      met: dbRequests === null ? null : dbRequests <= TARGETS.dbRequestsPerCallback,
      fatal: false,
    },
    {
      name: 'every registration answered within 2 s (slowest answer, any rate)',
      target: `<= ${TARGETS.answerWithinMs} ms`,
      measured: slowestAnswer === null ? 'not run' : `${Math.round(slowestAnswer)} ms (at ${slowest!.rate}/s)`,
      met: slowestAnswer === null ? null : slowestAnswer <= TARGETS.answerWithinMs,
      fatal: false,
    },
  ];
}

/** --pending N: storage and memory targets. */
export function pendingChecks(pending: number, bytesPerPending: number, peakRssMb: Record<string, number>, ourProcesses: readonly string[]): TargetCheck[] {
  const worst = Math.max(0, ...ourProcesses.map((name) => peakRssMb[name] ?? 0));
  return [
    {
      name: 'Temporal storage per pending callback',
      target: `<= ${TARGETS.storageBytesPerCallback} bytes`,
      measured: `${bytesPerPending} bytes`,
      met: bytesPerPending <= TARGETS.storageBytesPerCallback,
      fatal: false,
    },
    {
      name: `our processes' RSS with ${pending} pending (each)`,
      target: `< ${TARGETS.rssMb} MB`,
      measured: ourProcesses.map((name) => `${name} ${peakRssMb[name] ?? '?'} MB`).join(', '),
      met: worst < TARGETS.rssMb,
      fatal: false,
    },
  ];
}

export function printChecks(checks: readonly TargetCheck[]): void {
  console.log('\nTargets');
  for (const check of checks) {
    const verdict = check.met === null ? 'n/a   ' : check.met ? 'ok    ' : check.fatal ? 'FAILED' : 'MISSED';
    console.log(`  ${verdict} ${check.name}: ${check.measured} (target ${check.target})`);
  }
}

export function anyFatal(checks: readonly TargetCheck[]): boolean {
  return checks.some((check) => check.fatal && check.met === false);
}
