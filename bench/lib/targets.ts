/**
 * The targets, checked against the figures. A missed speed or memory
 * target is reported (MISSED, with the figure); only lost, early or duplicate
 * fires (or an error) make the bench exit non-zero.
 */
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

export function correctnessChecks(results: SideResult[]): TargetCheck[] {
  const ours = results.filter((r) => r.system === 'ours');
  const sum = (pick: (r: SideResult) => number): number => ours.reduce((total, r) => total + pick(r), 0);
  const lost = sum((r) => r.lost);
  const early = sum((r) => r.early);
  const duplicates = sum((r) => r.duplicates);
  return [
    { name: 'lost fires', target: '0', measured: String(lost), met: lost === 0, fatal: true },
    { name: 'early fires', target: '0', measured: String(early), met: early === 0, fatal: true },
    { name: 'duplicate fires', target: '0', measured: String(duplicates), met: duplicates === 0, fatal: true },
  ];
}

export function speedChecks(results: SideResult[], headline: number | null, mode: 'quick' | 'sweep'): TargetCheck[] {
  const at = (rate: number): SideResult | undefined => results.find((r) => r.system === 'ours' && r.rate === rate);
  const at100 = at(100);
  const at200 = at(200);
  const p99At100 = at100?.latenessMs.p99 ?? null;
  const regP99At200 = at200?.registrationLatencyMs.p99 ?? null;
  return [
    {
      name: 'fire lateness p99 at 100 fires/s',
      target: '<= 100 ms',
      measured: p99At100 === null ? 'not run' : `${p99At100} ms`,
      met: p99At100 === null ? null : p99At100 <= 100,
      fatal: false,
    },
    {
      name: 'headline: highest sustained rate (p99 < 1 s, nothing lost)',
      target: '>= 500 fires/s',
      measured: mode === 'quick' ? 'not measured in --quick' : headline === null ? 'no rate sustained' : `${headline} fires/s`,
      met: mode === 'quick' ? null : headline !== null && headline >= 500,
      fatal: false,
    },
    {
      name: 'registration latency p99 at 200 req/s',
      target: '<= 15 ms',
      measured: regP99At200 === null ? 'not run' : `${regP99At200} ms`,
      met: regP99At200 === null ? null : regP99At200 <= 15,
      fatal: false,
    },
  ];
}

export function printChecks(checks: TargetCheck[]): void {
  console.log('\nTargets');
  for (const check of checks) {
    const verdict = check.met === null ? 'n/a   ' : check.met ? 'ok    ' : check.fatal ? 'FAILED' : 'MISSED';
    console.log(`  ${verdict} ${check.name}: ${check.measured} (target ${check.target})`);
  }
}

export function anyFatal(checks: TargetCheck[]): boolean {
  return checks.some((check) => check.fatal && check.met === false);
}
