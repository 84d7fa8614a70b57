/**
 * How each callback of a scenario ended, decided from three sources: the answer its
 * registration got, the fires the worker reported, and (for a registration accepted but
 * never seen firing) what the system of record says about it after the run: Temporal's
 * workflow, or BullMQ's job. Pure, so the rules are unit-tested (test/unit/bench-outcome.test.ts).
 *
 *   accepted    answered 201 (or 200, a replay)
 *   refused     429 or 503 with a definite answer: the service says it did not register it
 *   unknown     503 REGISTRATION_OUTCOME_UNKNOWN: it may exist; a fire of it is no ghost
 *   error       anything else: a 500, a network error, our client's timeout
 *
 *   fired             an accepted callback whose handler ran; its lateness counts
 *   lateBeyondWindow  ... fired after the quiet-period rule would have called it lost
 *   lost              accepted, and its workflow is missing or closed without the handler running
 *   unresolved        accepted, not fired, its workflow still open when the bounded wait ended
 *   ghost             a fire of a refused or failed registration, or an execution still open
 *                     that no accepted registration accounts for (it would fire later)
 */

export type RegistrationOutcome = 'accepted' | 'refused' | 'unknown' | 'error';

export interface RegistrationResult {
  outcome: RegistrationOutcome;
  /** The callback's id in the system of record (our uid, a workflow id, a job id), when known. */
  id?: string;
  /** The error code or message of a refusal or an error. */
  code?: string;
  /** Time to the answer, whatever it was. */
  latencyMs: number;
}

/** Where a callback stands in the system of record after the run. */
export type RecordState = 'open' | 'closed' | 'missing';

/** Fire times are Date.now() milliseconds on the same machine: one tick of slack. */
export const CLOCK_RESOLUTION_MS = 1;

export interface ClassifyInput {
  /** Trigger time (epoch ms) by sequence number. */
  triggers: readonly number[];
  /** The registration's result by sequence number (undefined: never sent). */
  registrations: ReadonlyArray<RegistrationResult | undefined>;
  /** First fire time by sequence number. */
  fires: ReadonlyMap<number, number>;
  /** When the quiet-period rule stopped waiting (fires after it are "late beyond the window"). */
  windowEndAt: number;
  /** Final state of each accepted callback that had not fired when the window ended. */
  finalStates: ReadonlyMap<number, RecordState>;
  /** Open executions of this side that no accepted, unfired registration accounts for. */
  strayOpen: number;
}

export interface Classification {
  accepted: number;
  refused: number;
  unknown: number;
  errors: number;
  /** Refusals and errors by code, e.g. { OVERLOADED: 12, NETWORK_ERROR: 1 }. */
  byCode: Record<string, number>;
  fired: number;
  lateBeyondWindow: number;
  lost: number;
  lostNoWorkflow: number;
  lostClosedUnfired: number;
  unresolved: number;
  ghosts: number;
  unknownFired: number;
  early: number;
  /** Fire minus trigger of every accepted callback that fired, ms. */
  lateness: number[];
  /** Answer times of every registration, whatever the answer. */
  answerLatencies: number[];
  /** Answer times of accepted registrations. */
  acceptedLatencies: number[];
}

/** What became of the accepted registrations: the counts a bench side reports as they are. */
export type FireCounts = Pick<
  Classification,
  'fired' | 'lateBeyondWindow' | 'lost' | 'lostNoWorkflow' | 'lostClosedUnfired' | 'unresolved' | 'ghosts' | 'unknownFired' | 'early'
>;

export function classify(input: ClassifyInput): Classification {
  const result: Classification = {
    accepted: 0, refused: 0, unknown: 0, errors: 0, byCode: {},
    fired: 0, lateBeyondWindow: 0, lost: 0, lostNoWorkflow: 0, lostClosedUnfired: 0, unresolved: 0,
    ghosts: input.strayOpen, unknownFired: 0, early: 0, lateness: [], answerLatencies: [], acceptedLatencies: [],
  };
  input.registrations.forEach((registration, seq) => {
    if (!registration) return;
    result.answerLatencies.push(registration.latencyMs);
    const firedAt = input.fires.get(seq);
    if (registration.outcome !== 'accepted') {
      if (registration.outcome === 'refused') result.refused++;
      else if (registration.outcome === 'unknown') result.unknown++;
      else result.errors++;
      const code = registration.code ?? registration.outcome;
      result.byCode[code] = (result.byCode[code] ?? 0) + 1;
      if (firedAt !== undefined) {
        if (registration.outcome === 'unknown') result.unknownFired++;
        else result.ghosts++;
      }
      return;
    }
    result.accepted++;
    result.acceptedLatencies.push(registration.latencyMs);
    if (firedAt !== undefined) {
      result.fired++;
      const late = firedAt - (input.triggers[seq] ?? firedAt);
      result.lateness.push(late);
      if (late < -CLOCK_RESOLUTION_MS) result.early++;
      if (firedAt > input.windowEndAt) result.lateBeyondWindow++;
      return;
    }
    const state = input.finalStates.get(seq);
    if (state === 'missing') {
      result.lost++;
      result.lostNoWorkflow++;
    } else if (state === 'closed') {
      result.lost++;
      result.lostClosedUnfired++;
    } else {
      // Still open when the bounded wait ended, or never looked up: not shown to fire.
      result.unresolved++;
    }
  });
  return result;
}
