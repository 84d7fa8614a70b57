/**
 * Missed fires and overlap, mapped onto Temporal's two schedule policies (docs/schedules.md).
 *
 * Temporal has one knob for fires it could not start on time (its catch-up window: after an
 * outage of Temporal or its scheduler, missed times older than the window are dropped) and one
 * for a fire due while an earlier fire still runs (the overlap policy). When the app's workers
 * (or the service worker) are down, Temporal still starts each fire on time and the fire waits
 * for a worker, so the *overlap* policy decides what the next fire times do. Only the
 * combinations below mean the same whatever the cause of the outage; the others are refused.
 */
import { ScheduleOverlapPolicy } from '@temporalio/client';
import { validationError } from '../errors.js';

import { MISSED_FIRE_POLICIES, OVERLAP_POLICIES, type MissedFirePolicy, type OverlapPolicy } from '../../shared/schemas/schedules.js';

export { MISSED_FIRE_POLICIES, OVERLAP_POLICIES, type MissedFirePolicy, type OverlapPolicy };

/** Temporal's minimum catch-up window: `skip` gets it, so a fire delayed by Temporal itself runs only within it. */
export const MIN_CATCHUP_WINDOW_SECONDS = 10;
export const DEFAULT_CATCHUP_WINDOW_SECONDS = 3_600;
export const DEFAULT_MISSED_FIRE_POLICY: MissedFirePolicy = 'fireOnce';

/** Overlap policies that mean the same as the missed-fire policy whatever the outage. */
const COMPATIBLE: Record<MissedFirePolicy, readonly OverlapPolicy[]> = {
  skip: ['skip', 'bufferOne'],
  fireOnce: ['skip', 'bufferOne'],
  // Every missed fire runs: none may be dropped because an earlier one is still waiting for a worker.
  fireAll: ['bufferAll', 'allowAll'],
};

export function defaultOverlap(missed: MissedFirePolicy): OverlapPolicy {
  return missed === 'fireAll' ? 'bufferAll' : 'skip';
}

export interface Policies {
  missedFirePolicy: MissedFirePolicy;
  overlap: OverlapPolicy;
  /** The catch-up window in force: MIN_CATCHUP_WINDOW_SECONDS with skip. */
  catchupWindowSeconds: number;
}

export interface PolicyRequest {
  missedFirePolicy?: MissedFirePolicy;
  overlap?: OverlapPolicy;
  catchupWindowSeconds?: number;
}

/**
 * The policies a request asks for, on top of `previous` (PATCH) or the defaults (create). A
 * field the request leaves out keeps its previous value while it still fits, else its default.
 */
export function resolvePolicies(request: PolicyRequest, previous?: Policies): Policies {
  const missed = request.missedFirePolicy ?? previous?.missedFirePolicy ?? DEFAULT_MISSED_FIRE_POLICY;
  const compatible = COMPATIBLE[missed];
  if (request.overlap !== undefined && !compatible.includes(request.overlap)) {
    throw validationError(
      'body.overlap',
      missed === 'fireAll'
        ? `must be bufferAll or allowAll with missedFirePolicy fireAll: "${request.overlap}" would drop missed fires`
        : `must be skip or bufferOne with missedFirePolicy ${missed}: "${request.overlap}" runs every missed fire (that is fireAll)`,
    );
  }
  const kept = previous?.overlap !== undefined && compatible.includes(previous.overlap) ? previous.overlap : undefined;
  const overlap = request.overlap ?? kept ?? defaultOverlap(missed);

  if (missed === 'skip') {
    if (request.catchupWindowSeconds !== undefined) {
      throw validationError('body.catchupWindowSeconds', 'applies to fireOnce and fireAll: skip runs no catch-up fire');
    }
    return { missedFirePolicy: missed, overlap, catchupWindowSeconds: MIN_CATCHUP_WINDOW_SECONDS };
  }
  const previousWindow = previous && previous.missedFirePolicy !== 'skip' ? previous.catchupWindowSeconds : undefined;
  return {
    missedFirePolicy: missed,
    overlap,
    catchupWindowSeconds: request.catchupWindowSeconds ?? previousWindow ?? DEFAULT_CATCHUP_WINDOW_SECONDS,
  };
}

const TEMPORAL_OVERLAP: Record<OverlapPolicy, ScheduleOverlapPolicy> = {
  skip: ScheduleOverlapPolicy.SKIP,
  bufferOne: ScheduleOverlapPolicy.BUFFER_ONE,
  bufferAll: ScheduleOverlapPolicy.BUFFER_ALL,
  allowAll: ScheduleOverlapPolicy.ALLOW_ALL,
};

/** Temporal's policies for ours: the overlap as is, the catch-up window in force. */
export function temporalPoliciesOf(policies: Policies): { overlap: ScheduleOverlapPolicy; catchupWindow: number } {
  return { overlap: TEMPORAL_OVERLAP[policies.overlap], catchupWindow: policies.catchupWindowSeconds * 1000 };
}
