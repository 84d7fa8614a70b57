/**
 * Counting callbacks through Temporal visibility (eventually consistent): the
 * hostile suites use it to prove that no rejected request started a workflow.
 */
import type { Client } from '@temporalio/client';
import { expect } from 'vitest';
import { waitFor } from '../../scripts/lib/wait-for.js';
import { literal } from '../../server/callbacks/visibility-query.js';

/** Callbacks whose CallbackApp is one of `apps` (hostile names included), as visibility sees them now. */
export async function countCallbacks(temporal: Client, apps: readonly string[]): Promise<number> {
  // A NUL can be neither stored nor queried (the query builder refuses it): no callback can have one.
  const names = [...new Set(apps)].filter((name) => !name.includes('\0'));
  if (names.length === 0) return 0;
  const { count } = await temporal.workflow.count(`CallbackApp IN (${names.map((name) => literal(name)).join(', ')})`);
  return count;
}

/**
 * Waits until visibility shows exactly `expected` callbacks of `apps` (it lags a little behind
 * starts), then checks that the number still holds after `settleMs`: a stray start would show up.
 */
export async function expectCallbackCount(
  temporal: Client,
  apps: readonly string[],
  expected: number,
  { timeoutMs = 15_000, settleMs = 1_000 }: { timeoutMs?: number; settleMs?: number } = {},
): Promise<void> {
  let last = -1;
  try {
    await waitFor(`${expected} callbacks in visibility`, async () => (last = await countCallbacks(temporal, apps)) === expected, {
      timeoutMs,
      intervalMs: 200,
    });
  } catch (err) {
    if (last === -1) throw err; // the query itself failed
    expect(last, `callbacks of ${apps.length} app name(s) in visibility`).toBe(expected);
  }
  await new Promise((resolve) => setTimeout(resolve, settleMs));
  expect(await countCallbacks(temporal, apps)).toBe(expected);
}
