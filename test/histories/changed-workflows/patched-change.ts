// The same change made safely, for the replay test: behind `patched()`, new runs take the new
// path and runs recorded before the change replay the old one (docs/workflow-changes.md).
import { patched, upsertSearchAttributes } from '@temporalio/workflow';
import { searchAttributes, type DelayCallbackInput } from '../../../workflows/contract.js';
import { delayCallback as current } from '../../../workflows/delay-callback.js';

export async function delayCallback(input: DelayCallbackInput): ReturnType<typeof current> {
  if (patched('upsert-alias-at-start')) {
    upsertSearchAttributes([{ key: searchAttributes.alias, value: input.alias }]);
  }
  return current(input);
}
