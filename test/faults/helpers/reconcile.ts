/**
 * After the fault: every callback a client was told about is checked through
 * the API (final status and attempts as its strategy says), Temporal's own
 * list of the app's workflows (search attribute CallbackApp) is compared with
 * what clients were told, and the handler-run log is matched to the attempts.
 */
import type { Client } from '@temporalio/client';
import type { Callback, DelayCallbackClient } from '../../../client-sdk/index.js';
import { isFinalStatus, searchAttributes } from '../../../workflows/contract.js';
import { expectedOutcome, type Told } from './batch.js';
import { handlerRuns, hitByFault, readRecords, type FaultWindow, type HandlerRun } from './runs.js';
import type { ScenarioFigures } from './figures.js';

export interface ReconcileOptions {
  scenario: string;
  app: string;
  sdk: DelayCallbackClient;
  temporal: Client;
  told: readonly Told[];
  runsFile: string;
  faults: readonly FaultWindow[];
  /** How long callbacks get to reach their final status. */
  timeoutMs: number;
}

export interface Reconciliation {
  figures: ScenarioFigures;
  /** One line per problem found (empty when all is well). */
  problems: string[];
  /** uid -> final state through the API. */
  states: Map<string, Callback>;
  runs: HandlerRun[];
}

function groupBy<T, K>(items: readonly T[], key: (item: T) => K): Map<K, T[]> {
  const groups = new Map<K, T[]>();
  for (const item of items) groups.set(key(item), [...(groups.get(key(item)) ?? []), item]);
  return groups;
}

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

async function finalStates(sdk: DelayCallbackClient, uids: readonly string[], timeoutMs: number): Promise<Map<string, Callback>> {
  const states = new Map<string, Callback>();
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const pending = uids.filter((uid) => !isFinalStatus(states.get(uid)?.status ?? 'scheduled'));
    for (const uid of pending) {
      try {
        states.set(uid, await sdk.get(uid));
      } catch {
        // unknown or unreachable for now: counted as lost if it stays so
      }
    }
    if (pending.length === 0 || Date.now() > deadline) return states;
    await sleep(1_000);
  }
}

/** Workflow uids Temporal holds for the app, once visibility has caught up (two equal reads). */
async function heldUids(temporal: Client, app: string, atLeast: number): Promise<string[]> {
  const query = `${searchAttributes.app.name} = "${app}"`;
  let previous = -1;
  for (let round = 0; ; round++) {
    const uids: string[] = [];
    for await (const execution of temporal.workflow.list({ query })) uids.push(execution.workflowId.split(':').slice(2).join(':'));
    if ((uids.length >= atLeast && uids.length === previous) || round >= 20) return uids;
    previous = uids.length;
    await sleep(1_000);
  }
}

export async function reconcile(options: ReconcileOptions): Promise<Reconciliation> {
  const problems: string[] = [];
  const toldByUid = new Map<string, Told>();
  for (const told of options.told) {
    const earlier = toldByUid.get(told.uid);
    if (earlier && earlier.plan.n !== told.plan.n) problems.push(`uid ${told.uid} was told for callbacks ${earlier.plan.n} and ${told.plan.n}`);
    toldByUid.set(told.uid, told);
  }
  const uids = [...toldByUid.keys()];
  const states = await finalStates(options.sdk, uids, options.timeoutMs);
  const held = await heldUids(options.temporal, options.app, uids.length);
  const heldSet = new Set(held);

  // Registered twice: more than one workflow for one planned callback (found through its args).
  const workflowsPerN = new Map<number, string[]>();
  for (const uid of held) {
    const n = toldByUid.get(uid)?.plan.n ?? ((await options.sdk.get(uid).catch(() => undefined))?.args as { n?: number } | undefined)?.n ?? -1;
    workflowsPerN.set(n, [...(workflowsPerN.get(n) ?? []), uid]);
  }
  const registeredTwice = [...workflowsPerN.values()].reduce((sum, list) => sum + list.length - 1, 0);
  const notTold = held.filter((uid) => !toldByUid.has(uid));
  if (registeredTwice > 0) problems.push(`registered twice: ${JSON.stringify([...workflowsPerN].filter(([, l]) => l.length > 1))}`);
  if (notTold.length > 0) problems.push(`Temporal holds ${notTold.length} workflow(s) no client was told about: ${notTold.join(', ')}`);

  const runs = handlerRuns(readRecords(options.runsFile));
  const runsByUid = groupBy(runs, (run) => run.uid);
  let lost = 0;
  let redelivered = 0;
  let latenessMaxMs = 0;
  const counts = { succeeded: 0, failed: 0, cancelled: 0 };
  for (const [uid, told] of toldByUid) {
    const state = states.get(uid);
    const expected = expectedOutcome(told.plan);
    if (!heldSet.has(uid) || !state || !isFinalStatus(state.status)) {
      lost++;
      problems.push(`lost: callback ${told.plan.n} (${uid}) is ${!heldSet.has(uid) ? 'not in Temporal' : `still ${state?.status ?? 'unreadable'}`}`);
      continue;
    }
    if (state.status === 'succeeded' || state.status === 'failed' || state.status === 'cancelled') counts[state.status]++;
    if (state.status !== expected.status || state.attempts !== expected.attempts) {
      problems.push(`callback ${told.plan.n} (${uid}) ended ${state.status} after ${state.attempts} attempt(s); planned ${expected.status} after ${expected.attempts}`);
    }
    if (state.latenessMs !== null) latenessMaxMs = Math.max(latenessMaxMs, state.latenessMs);
    const ownRuns = runsByUid.get(uid) ?? [];
    if (state.status === 'succeeded' && !ownRuns.some((run) => run.attempt === state.attempts && run.ok === true)) {
      problems.push(`callback ${told.plan.n} (${uid}) succeeded, but no handler run of attempt ${state.attempts} returned`);
    }
    let neverRan = false;
    for (let attempt = 1; attempt <= Math.max(state.attempts, ...ownRuns.map((r) => r.attempt)); attempt++) {
      const ofAttempt = ownRuns.filter((run) => run.attempt === attempt);
      if (attempt > state.attempts) problems.push(`callback ${told.plan.n} (${uid}): attempt ${attempt} ran but the workflow counts ${state.attempts}`);
      else if (ofAttempt.length === 0) {
        neverRan = true;
        problems.push(`callback ${told.plan.n} (${uid}): attempt ${attempt} never ran a handler`);
      } else if (ofAttempt.length > 1) {
        // At-least-once: a second run of one attempt is only acceptable if every other run was cut by a fault.
        const clean = ofAttempt.filter((run) => !hitByFault(run, options.faults));
        if (clean.length > 1) problems.push(`callback ${told.plan.n} (${uid}): attempt ${attempt} ran ${ofAttempt.length} times, ${clean.length} of them untouched by any fault`);
        else redelivered++;
      }
    }
    // An attempt the workflow counts but no handler ran is a fire lost on the way.
    if (neverRan) lost++;
  }

  const figures: ScenarioFigures = {
    scenario: options.scenario,
    registered: uids.length,
    succeeded: counts.succeeded,
    failed: counts.failed,
    cancelled: counts.cancelled,
    lost,
    registeredTwice,
    notTold: notTold.length,
    handlerRuns: runs.filter((run) => toldByUid.has(run.uid)).length,
    redelivered,
    maxRunsPerAttempt: Math.max(0, ...[...groupBy(runs, (r) => `${r.uid}#${r.attempt}`).values()].map((l) => l.length)),
    latenessMaxMs,
  };
  return { figures, problems, states, runs };
}
