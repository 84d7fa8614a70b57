/**
 * "Lost" is decided against the system of record, not by patience: after the quiet-period
 * window, every accepted callback that has not fired is looked up (Temporal: describe its
 * workflow) and awaited, up to a bound, until it fires or its workflow closes. Then the
 * side's open executions are counted: any that no accepted callback accounts for belongs to
 * a refused or failed registration, a ghost in waiting, and is awaited too (its fire shows
 * which registration it was).
 */
import type { RecordState } from './outcome.js';
import { sleep } from './pacer.js';

export interface SettleSource {
  /** Where the callback with this id stands. */
  lookup(id: string): Promise<RecordState>;
  /** Open executions of this side (all runs), if the side can count them. */
  openExecutions?(): Promise<number>;
}

export interface SettleResult {
  /** Final state of each accepted callback that had not fired when settling began (seq -> state). */
  finalStates: Map<number, RecordState>;
  /** Open executions left that no unfired accepted callback accounts for. */
  strayOpen: number;
  /** How long settling took, ms. */
  waitedMs: number;
}

/** Lookups in flight at once. */
const CONCURRENCY = 16;
/** Between rounds: lets fires of just-closed workflows arrive over IPC, and the server breathe. */
const ROUND_MS = 2_000;

export async function settle(
  source: SettleSource,
  pending: ReadonlyArray<{ seq: number; id: string }>,
  fires: ReadonlyMap<number, number>,
  deadline: number,
  onRound?: (open: number) => void,
  roundMs = ROUND_MS,
): Promise<SettleResult> {
  const started = Date.now();
  const finalStates = new Map<number, RecordState>();
  const unsettled = (): Array<{ seq: number; id: string }> =>
    pending.filter(({ seq }) => !fires.has(seq) && finalStates.get(seq) !== 'closed' && finalStates.get(seq) !== 'missing');
  for (let open = unsettled(); open.length > 0 && Date.now() < deadline; open = unsettled()) {
    onRound?.(open.length);
    await inBatches(open, CONCURRENCY, async ({ seq, id }) => finalStates.set(seq, await source.lookup(id)));
    await sleep(roundMs);
  }
  // Anything still open beyond our own unfired callbacks is a stray. Visibility lags a little
  // behind closes under load, so count again until none are left or the bound is reached.
  let strayOpen = 0;
  if (source.openExecutions) {
    for (;;) {
      const ours = unsettled().length;
      strayOpen = Math.max(0, (await source.openExecutions()) - ours);
      if (strayOpen === 0 || Date.now() >= deadline) break;
      onRound?.(ours + strayOpen);
      await sleep(roundMs);
    }
  }
  for (const { seq } of pending) if (fires.has(seq)) finalStates.delete(seq);
  return { finalStates, strayOpen, waitedMs: Date.now() - started };
}

async function inBatches<T>(items: readonly T[], concurrency: number, task: (item: T) => Promise<unknown>): Promise<void> {
  let next = 0;
  const lane = async (): Promise<void> => {
    while (next < items.length) await task(items[next++]!);
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, items.length) }, lane));
}
