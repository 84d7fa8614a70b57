/**
 * `delayCallback`: one registration, one workflow. Its input decides the version,
 * deterministically, so no patch marker is needed:
 *
 * - no `version` (workflows started before input version 2): the frozen
 *   version-1 body (workflows/legacy/delay-callback-v1.ts);
 * - `version: 2` (every registration now): pre-dispatch, stand-down, bounded
 *   worker-loss redeliveries, continue-as-new (workflows/delay-callback-v2.ts).
 *
 * A schedule's fire is started with the schedule's static input: its uid and trigger
 * time come from Temporal first (schedule-fire.ts); a registration's input is unchanged.
 *
 * See docs/workflow-changes.md before changing either.
 */
import { upsertSearchAttributes, workflowInfo } from '@temporalio/workflow';
import type { CallbackState, DelayCallbackInput, ScheduleFireInput } from './contract.js';
import { delayCallbackV2 } from './delay-callback-v2.js';
import { delayCallbackV1 } from './legacy/delay-callback-v1.js';
import { fireContextOf, fireVisibility, runInputOf } from './schedule-fire.js';

export async function delayCallback(rawInput: DelayCallbackInput | ScheduleFireInput): Promise<CallbackState> {
  const input = runInputOf(rawInput, fireContextOf(workflowInfo()));
  if (input.version === undefined || input.version < 2) return delayCallbackV1(input);
  // A fire's CallbackTriggerAt, known only to its run: written in the run's first workflow task, where
  // Temporal 1.29 upserts the run's BuildIds anyway, so it costs no visibility write of its own.
  const fireAttributes = fireVisibility(rawInput, input);
  if (fireAttributes.length > 0) upsertSearchAttributes(fireAttributes);
  return delayCallbackV2(input);
}
