/**
 * `delayCallback`: one registration, one workflow. Its input decides the version,
 * deterministically, so no patch marker is needed:
 *
 * - no `version` (workflows started before input version 2): the frozen
 *   version-1 body (workflows/legacy/delay-callback-v1.ts);
 * - `version: 2` (every registration now): pre-dispatch, stand-down, bounded
 *   worker-loss redeliveries, continue-as-new (workflows/delay-callback-v2.ts).
 *
 * See docs/workflow-changes.md before changing either.
 */
import type { CallbackState, DelayCallbackInput } from './contract.js';
import { delayCallbackV2 } from './delay-callback-v2.js';
import { delayCallbackV1 } from './legacy/delay-callback-v1.js';

export async function delayCallback(input: DelayCallbackInput): Promise<CallbackState> {
  if (input.version === undefined || input.version < 2) return delayCallbackV1(input);
  return delayCallbackV2(input);
}
