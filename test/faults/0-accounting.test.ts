/**
 * The suite's own bookkeeping, checked before any process is killed: how
 * handler runs are paired, which second runs a fault explains, and what
 * outcome a retry strategy promises. A mistake here would let the scenarios
 * pass on wrong figures.
 */
import { describe, expect, it } from 'vitest';
import { expectedOutcome, planBatch } from './helpers/batch.js';
import { handlerRuns, hitByFault, RESULT_IN_TRANSIT_MS, type RunRecord } from './helpers/runs.js';

const start = (uid: string, attempt: number, pid: number, at: number): RunRecord => ({ event: 'start', uid, attempt, pid, at });
const end = (uid: string, attempt: number, pid: number, at: number): RunRecord => ({ event: 'end', uid, attempt, pid, at, ok: true });

describe('handler runs', () => {
  it('pairs each start with the end of the same uid, attempt and process; a run cut by a crash stays open', () => {
    const runs = handlerRuns([start('a', 1, 10, 0), start('a', 1, 20, 50), end('a', 1, 20, 60), start('b', 1, 10, 5), end('b', 1, 10, 9)]);
    expect(runs).toEqual([
      { uid: 'a', attempt: 1, pid: 10, startedAt: 0 },
      { uid: 'a', attempt: 1, pid: 20, startedAt: 50, endedAt: 60, ok: true },
      { uid: 'b', attempt: 1, pid: 10, startedAt: 5, endedAt: 9, ok: true },
    ]);
  });

  it('counts a run as hit by a fault when it was in flight, or its result may have been', () => {
    const window = [{ what: 'crash', from: 10_000, to: 12_000 }];
    expect(hitByFault({ uid: 'a', attempt: 1, pid: 1, startedAt: 9_000 }, window)).toBe(true); // never ended
    expect(hitByFault({ uid: 'a', attempt: 1, pid: 1, startedAt: 9_000, endedAt: 11_000 }, window)).toBe(true);
    expect(hitByFault({ uid: 'a', attempt: 1, pid: 1, startedAt: 8_000, endedAt: 10_000 - RESULT_IN_TRANSIT_MS / 2 }, window)).toBe(true);
    expect(hitByFault({ uid: 'a', attempt: 1, pid: 1, startedAt: 5_000, endedAt: 8_000 }, window)).toBe(false); // done well before
    expect(hitByFault({ uid: 'a', attempt: 1, pid: 1, startedAt: 12_500 }, window)).toBe(false); // started after
    expect(hitByFault({ uid: 'a', attempt: 1, pid: 1, startedAt: 9_000 }, [])).toBe(false);
  });
});

describe('planned outcomes', () => {
  it('follows the retry strategy: attempts until one succeeds, or all of them failed', () => {
    const [quick, retried, exhausted, cancelled] = planBatch(4, (n) =>
      [{}, { failUntil: 2, maxAttempts: 3 }, { failUntil: 5, maxAttempts: 2 }, { cancel: true }][n] ?? {},
    );
    expect(expectedOutcome(quick!)).toEqual({ status: 'succeeded', attempts: 1 });
    expect(expectedOutcome(retried!)).toEqual({ status: 'succeeded', attempts: 3 });
    expect(expectedOutcome(exhausted!)).toEqual({ status: 'failed', attempts: 2 });
    expect(expectedOutcome(cancelled!)).toEqual({ status: 'cancelled', attempts: 0 });
  });
});
