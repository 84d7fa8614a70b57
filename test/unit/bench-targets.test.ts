/** bench/lib/ratios.ts and bench/lib/targets.ts: headline ratios and SPEC section 8's target checks. */
import { describe, expect, it } from 'vitest';
import { headlineOf, highestSustained, ratiosOf, sustainedRatio } from '../../bench/lib/ratios.js';
import type { SideResult, SystemName } from '../../bench/lib/scenario.js';
import { distribution } from '../../bench/lib/stats.js';
import { anyFatal, correctnessChecks, pendingChecks, speedChecks } from '../../bench/lib/targets.js';

function side(system: SystemName, rate: number, overrides: Partial<SideResult> = {}): SideResult {
  return {
    system, rate, count: rate * 10, registered: rate * 10, refused: 0, unknownOutcome: 0, registrationErrors: 0, answers: {},
    firstRegistrationError: null, achievedRegistrationRate: rate, registrationLagMaxMs: 0,
    registrationLatencyMs: distribution([5, 10]), answerLatencyMs: distribution([5, 10]),
    fired: rate * 10, lateBeyondWindow: 0, lost: 0, lostNoWorkflow: 0, lostClosedUnfired: 0, unresolved: 0, ghosts: 0, unknownFired: 0,
    duplicates: 0, laterAttempts: 0, early: 0, latenessMs: distribution([2, 3, 4]), deliveredPerSecond: rate, sustained: true,
    settleSeconds: 0, peakRssMb: { facade: 100 }, cpuSeconds: {}, loadavg: [0, 0, 0],
    ...overrides,
  };
}

describe('ratios', () => {
  it('divides each figure of one side by the other', () => {
    const r = ratiosOf(side('ours', 30, { latenessMs: distribution([10, 20]), deliveredPerSecond: 27 }), side('baseline', 30, { latenessMs: distribution([5, 10]) }));
    expect(r.latenessP50).toBe(2);
    expect(r.latenessP99).toBe(2);
    expect(r.deliveredPerSecond).toBe(0.9);
  });

  it('takes the highest rate sustained with every lower one sustained', () => {
    expect(highestSustained([side('ours', 30), side('ours', 100), side('ours', 200, { sustained: false })])).toBe(100);
    expect(highestSustained([side('ours', 100, { sustained: false }), side('ours', 30)])).toBe(30);
    expect(highestSustained([side('ours', 30, { sustained: false }), side('ours', 100)])).toBeNull();
  });

  it('makes the sustained ratio 0 when ours sustained nothing the baseline did, null without a baseline figure', () => {
    expect(sustainedRatio(90, 100)).toBe(0.9);
    expect(sustainedRatio(null, 100)).toBe(0);
    expect(sustainedRatio(100, null)).toBeNull();
  });

  it('puts only the sides that ran in the headline', () => {
    const headline = headlineOf([{ ours: side('ours', 30), baseline: side('baseline', 30) }, { ours: side('ours', 100, { sustained: false }), baseline: side('baseline', 100) }]);
    expect(headline.sustained).toEqual({ ours: 30, baseline: 100 });
    expect(headline.oursVsBaseline.sustained).toBe(0.3);
    expect(headline.oursVsBullmq.sustained).toBeNull();
  });
});

describe('correctness checks', () => {
  it('pass when nothing went wrong, and fail the run on any lost, unresolved, ghost, early, duplicate or registration error of ours', () => {
    expect(anyFatal(correctnessChecks([side('ours', 30)]))).toBe(false);
    for (const bad of [{ lost: 1 }, { unresolved: 1 }, { ghosts: 1 }, { early: 1 }, { duplicates: 1 }, { registrationErrors: 1 }]) {
      expect(anyFatal(correctnessChecks([side('ours', 30), side('ours-lead-off', 30, bad)])), JSON.stringify(bad)).toBe(true);
    }
  });

  it('ignore the other sides and refusals (429/503 are answers, not errors)', () => {
    expect(anyFatal(correctnessChecks([side('ours', 200, { refused: 50 }), side('baseline', 30, { lost: 3 }), side('bullmq', 30, { early: 2 })]))).toBe(false);
  });
});

describe('speed checks', () => {
  const headline = (ours: number | null, baseline: number | null) =>
    headlineOf([
      { ours: side('ours', 30, { sustained: ours !== null }), baseline: side('baseline', 30, { sustained: baseline !== null }) },
    ]);

  it('are met by figures within the targets', () => {
    const ours = side('ours', 30, {
      latenessMs: distribution([1, 2, 3, 4, 5]),
      answerLatencyMs: distribution([10, 1_999]),
      serverCost: { persistencePerCallback: {}, persistenceTotalPerCallback: 10.5, persistenceMsPerCallback: 1, rpcTotalPerCallback: 5 },
    });
    const checks = speedChecks([ours], headline(30, 30));
    expect(checks.map((c) => c.met)).toEqual([true, true, true, true, true]);
    expect(anyFatal(checks)).toBe(false);
  });

  it('are missed, never fatal, by figures beyond them', () => {
    const ours = side('ours', 30, {
      latenessMs: distribution([6, 7, 25]),
      answerLatencyMs: distribution([2_500]),
      serverCost: { persistencePerCallback: {}, persistenceTotalPerCallback: 14, persistenceMsPerCallback: 1, rpcTotalPerCallback: 5 },
    });
    const checks = speedChecks([ours], headlineOf([{ ours: side('ours', 30), baseline: side('baseline', 30) }, { baseline: side('baseline', 100) }]));
    expect(checks.map((c) => c.met)).toEqual([false, false, false, false, false]);
    expect(checks.every((c) => !c.fatal)).toBe(true);
  });

  it('say "not run" when the run had no 30/s rate or no baseline', () => {
    const checks = speedChecks([side('ours', 100)], headlineOf([{ ours: side('ours', 100) }]));
    expect(checks[0]!.met).toBeNull();
    expect(checks[1]!.met).toBeNull();
    expect(checks[2]!.met).toBeNull();
    expect(checks[3]!.met).toBeNull(); // no server cost figure
  });
});

describe('pending checks', () => {
  it('hold storage to 10 000 bytes per pending callback and each process under 300 MB', () => {
    expect(pendingChecks(100_000, 9_999, { facade: 250, 'service-worker': 299 }, ['facade', 'service-worker']).map((c) => c.met)).toEqual([true, true]);
    expect(pendingChecks(100_000, 19_599, { facade: 300 }, ['facade']).map((c) => c.met)).toEqual([false, false]);
  });
});
