/**
 * bench/lib/outcome.ts and bench/lib/settle.ts: how the benchmark decides what happened to
 * each callback (fired, late beyond the window, lost, unresolved, ghost), and
 * bench/lib/ours.ts's reading of an SDK error as a registration outcome.
 */
import { describe, expect, it } from 'vitest';
import { DelayCallbackError } from '../../client-sdk/index.js';
import { registrationOutcome } from '../../bench/lib/ours.js';
import { classify, type ClassifyInput, type RecordState, type RegistrationResult } from '../../bench/lib/outcome.js';
import { settle } from '../../bench/lib/settle.js';

const accepted = (id: string, latencyMs = 10): RegistrationResult => ({ outcome: 'accepted', id, latencyMs });
const refused = (code = '429 OVERLOADED', latencyMs = 5): RegistrationResult => ({ outcome: 'refused', code, latencyMs });

function input(overrides: Partial<ClassifyInput>): ClassifyInput {
  return { triggers: [], registrations: [], fires: new Map(), windowEndAt: 10_000, finalStates: new Map(), strayOpen: 0, ...overrides };
}

describe('classify', () => {
  it('counts an accepted callback that fired, with its lateness', () => {
    const c = classify(input({ triggers: [1_000, 2_000], registrations: [accepted('a'), accepted('b')], fires: new Map([[0, 1_004], [1, 2_010]]) }));
    expect(c).toMatchObject({ accepted: 2, fired: 2, lost: 0, ghosts: 0, early: 0, lateBeyondWindow: 0 });
    expect(c.lateness).toEqual([4, 10]);
  });

  it('separates a fire after the quiet-period window from an ordinary late one', () => {
    const c = classify(input({ triggers: [1_000, 1_000], registrations: [accepted('a'), accepted('b')], fires: new Map([[0, 9_000], [1, 12_000]]), windowEndAt: 10_000 }));
    expect(c.fired).toBe(2);
    expect(c.lateBeyondWindow).toBe(1);
    expect(c.lost).toBe(0);
  });

  it('calls lost what Temporal has no workflow for, or a closed one whose handler never ran', () => {
    const finalStates = new Map<number, RecordState>([[0, 'missing'], [1, 'closed']]);
    const c = classify(input({ triggers: [1, 2], registrations: [accepted('a'), accepted('b')], finalStates }));
    expect(c).toMatchObject({ lost: 2, lostNoWorkflow: 1, lostClosedUnfired: 1, unresolved: 0, fired: 0 });
  });

  it('calls unresolved a callback still open, or never looked up, when the wait ended: not lost, not fired', () => {
    const c = classify(input({ triggers: [1, 2], registrations: [accepted('a'), accepted('b')], finalStates: new Map([[0, 'open']]) }));
    expect(c).toMatchObject({ lost: 0, unresolved: 2, fired: 0 });
  });

  it('counts a fire of a refused or failed registration as a ghost', () => {
    const error: RegistrationResult = { outcome: 'error', code: 'TIMEOUT', latencyMs: 30_000 };
    const c = classify(input({ triggers: [1, 2, 3], registrations: [refused(), error, refused('503 SERVICE_UNAVAILABLE')], fires: new Map([[0, 5], [1, 6]]) }));
    expect(c).toMatchObject({ ghosts: 2, refused: 2, errors: 1, accepted: 0, fired: 0, lost: 0 });
    expect(c.byCode).toEqual({ '429 OVERLOADED': 1, TIMEOUT: 1, '503 SERVICE_UNAVAILABLE': 1 });
  });

  it('adds open executions no accepted registration accounts for to the ghosts', () => {
    expect(classify(input({ strayOpen: 3 })).ghosts).toBe(3);
  });

  it('does not call a fire of an unknown outcome a ghost, but counts it', () => {
    const unknown: RegistrationResult = { outcome: 'unknown', code: 'REGISTRATION_OUTCOME_UNKNOWN', id: 'u', latencyMs: 1_500 };
    const c = classify(input({ triggers: [1], registrations: [unknown], fires: new Map([[0, 3]]) }));
    expect(c).toMatchObject({ ghosts: 0, unknownFired: 1, unknown: 1 });
  });

  it('counts a fire more than the clock resolution before the trigger as early', () => {
    const c = classify(input({ triggers: [1_000, 1_000], registrations: [accepted('a'), accepted('b')], fires: new Map([[0, 999], [1, 998]]) }));
    expect(c.early).toBe(1);
  });

  it('keeps every answer time, and the accepted ones apart', () => {
    const c = classify(input({ triggers: [1, 2, 3], registrations: [accepted('a', 10), refused('429 OVERLOADED', 3), undefined] }));
    expect(c.answerLatencies).toEqual([10, 3]);
    expect(c.acceptedLatencies).toEqual([10]);
  });
});

describe('registrationOutcome', () => {
  it('reads 429 and 503 as refused, REGISTRATION_OUTCOME_UNKNOWN as unknown with its uid, the rest as errors', () => {
    expect(registrationOutcome(new DelayCallbackError('OVERLOADED', 'busy', 429))).toEqual({ outcome: 'refused', code: '429 OVERLOADED' });
    expect(registrationOutcome(new DelayCallbackError('SERVICE_UNAVAILABLE', 'down', 503))).toEqual({ outcome: 'refused', code: '503 SERVICE_UNAVAILABLE' });
    expect(registrationOutcome(new DelayCallbackError('REGISTRATION_OUTCOME_UNKNOWN', '?', 503, [{ uid: 'u-1' }]))).toEqual({
      outcome: 'unknown',
      code: 'REGISTRATION_OUTCOME_UNKNOWN',
      id: 'u-1',
    });
    expect(registrationOutcome(new DelayCallbackError('INTERNAL_ERROR', 'boom', 500))).toEqual({ outcome: 'error', code: '500 INTERNAL_ERROR' });
    expect(registrationOutcome(new DelayCallbackError('TIMEOUT', 'slow', 0))).toEqual({ outcome: 'error', code: 'TIMEOUT' });
    expect(registrationOutcome(new Error('socket hang up'))).toEqual({ outcome: 'error', code: 'socket hang up' });
  });
});

describe('settle', () => {
  it('asks about what has not fired until it fires or closes, then counts strays', async () => {
    const fires = new Map<number, number>([[0, 100]]);
    const states: Record<string, RecordState[]> = { b: ['open', 'closed'], c: ['missing'], d: ['open', 'open', 'open'] };
    const asked: string[] = [];
    let openCalls = 0;
    const result = await settle(
      {
        async lookup(id) {
          asked.push(id);
          if (id === 'd' && asked.filter((x) => x === 'd').length === 2) fires.set(3, 500); // d fires while we wait
          return states[id]!.shift() ?? 'open';
        },
        async openExecutions() {
          openCalls++;
          return openCalls === 1 ? 2 : 0; // one stray, gone at the second count
        },
      },
      [{ seq: 0, id: 'a' }, { seq: 1, id: 'b' }, { seq: 2, id: 'c' }, { seq: 3, id: 'd' }],
      fires,
      Date.now() + 10_000,
      undefined,
      5,
    );
    expect(asked).not.toContain('a'); // fired before settling: never asked
    expect(result.finalStates.get(1)).toBe('closed');
    expect(result.finalStates.get(2)).toBe('missing');
    expect(result.finalStates.has(3)).toBe(false); // it fired: its state no longer matters
    expect(result.strayOpen).toBe(0);
    expect(openCalls).toBe(2);
  });

  it('stops at the deadline and leaves what is still open open', async () => {
    const result = await settle({ lookup: async () => 'open', openExecutions: async () => 3 }, [{ seq: 0, id: 'x' }], new Map(), Date.now() + 30, undefined, 5);
    expect(result.finalStates.get(0)).toBe('open');
    expect(result.strayOpen).toBe(2); // three open, one of them ours
  });
});
