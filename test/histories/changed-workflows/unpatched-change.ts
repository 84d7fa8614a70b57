// A change made the wrong way, for the replay test: the workflow now writes the alias search
// attribute before its first timer. Every recorded history disagrees with it from the first
// command, so replaying them must fail with a determinism violation.
import { upsertSearchAttributes } from '@temporalio/workflow';
import { searchAttributes, type DelayCallbackInput } from '../../../workflows/contract.js';
import { delayCallback as current } from '../../../workflows/delay-callback.js';

export async function delayCallback(input: DelayCallbackInput): ReturnType<typeof current> {
  upsertSearchAttributes([{ key: searchAttributes.alias, value: input.alias }]);
  return current(input);
}
