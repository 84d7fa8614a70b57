/**
 * The lives of a callback that recorded histories cover (scripts/record-histories.ts):
 * each path through the `delayCallback` workflow (version 2) that production histories
 * can take. Handlers of the recording worker: `ok` succeeds, `flaky` throws until
 * `args.failUntil`, `refuse` returns false, `slow` outlives a 1 s attempt timeout,
 * `gated` waits until the scenario opens its gate; `nobody` is not defined. The app
 * LOST_APP is served by a worker whose attempts never answer (every delivery lost), and
 * IDLE_APP by none at all.
 */
import type { CallbackStatus } from '../../workflows/contract.js';
import { waitFor } from './wait-for.js';

export const LOST_APP = 'histories-lost';
export const IDLE_APP = 'histories-idle';

/** The facade's HTTP API for the recording apps, and what an operator does through Temporal. */
export interface Api {
  /** Throws unless the answer is 2xx. */
  call(method: 'GET' | 'POST' | 'PATCH' | 'DELETE', path: string, body?: unknown, app?: string): Promise<unknown>;
  /** The HTTP status, whatever it is. */
  statusOf(method: 'GET' | 'POST' | 'PATCH' | 'DELETE', path: string, body?: unknown): Promise<number>;
  status(uid: string, app?: string): Promise<string>;
  signalCancel(uid: string): Promise<void>;
  terminate(uid: string): Promise<void>;
  /** Resolves once a worker holds the callback's attempt (its activity started). */
  armed(uid: string): Promise<void>;
  /** The id of the callback's current run. */
  runId(uid: string): Promise<string>;
  /** Resolves once the callback's workflow has closed. */
  closed(uid: string): Promise<void>;
  /** Resolves once a `gated` handler waits on `gate` (it has started). */
  waitForGate(gate: string): Promise<void>;
  /** Opens the gate a `gated` handler waits on. */
  openGate(gate: string): void;
}

export interface HistoryScenario {
  /** File name in test/histories/<version>/. */
  name: string;
  /** The app the callback belongs to. @default the recording app */
  app?: string;
  /** The status at which the history is taken: a final one, or a waiting one for a workflow still open. */
  expect: Extract<CallbackStatus, 'succeeded' | 'failed' | 'cancelled' | 'scheduled' | 'retrying'>;
  /** Registers (and steers) one callback; resolves with its uid and, for a run other than the latest, that run's id. */
  run(api: Api): Promise<string | { uid: string; runId: string }>;
}

const fixed = (maxAttempts: number, intervalSeconds: number) => ({ maxAttempts, backoff: 'fixed', intervalSeconds, maxIntervalSeconds: intervalSeconds });
const HOUR = 3_600;

async function register(api: Api, body: Record<string, unknown>, app?: string): Promise<string> {
  return ((await api.call('POST', '/callbacks', body, app)) as { uid: string }).uid;
}

async function reach(api: Api, uid: string, status: CallbackStatus, app?: string): Promise<void> {
  await waitFor(`${uid} ${status}`, async () => (await api.status(uid, app)) === status, { timeoutMs: 60_000, intervalMs: 100 });
}

/**
 * Reschedules the callback until its workflow continues as new (the recording server suggests it
 * after 60 events; without that, the workflow's own bound of 500 updates); resolves with the id of
 * the run that continued.
 */
async function rescheduleUntilContinued(api: Api, uid: string): Promise<string> {
  const firstRun = await api.runId(uid);
  for (let i = 0; i < 600; i++) {
    await api.call('PATCH', `/callbacks/${uid}`, { delaySeconds: HOUR + i });
    if (i % 5 === 4 && (await api.runId(uid)) !== firstRun) return firstRun;
  }
  await waitFor(`${uid} continued as new`, async () => (await api.runId(uid)) !== firstRun, { timeoutMs: 30_000, intervalMs: 200 });
  return firstRun;
}

/** Due well after the recording's dispatch lead (4 s), so a scenario has time to act on the armed attempt. */
const ARMED_DELAY_SECONDS = 8;

/**
 * Registers a callback and resolves with its uid once a worker holds its attempt at least 2 s before
 * it is due (a busy machine may dispatch it late: that callback is withdrawn and another registered).
 */
async function registerArmed(api: Api): Promise<string> {
  for (let tries = 0; tries < 5; tries++) {
    const { uid, triggerAt } = (await api.call('POST', '/callbacks', { alias: 'ok', delaySeconds: ARMED_DELAY_SECONDS })) as { uid: string; triggerAt: string };
    await api.armed(uid);
    if (Date.parse(triggerAt) - Date.now() >= 2_000) return uid;
    await api.statusOf('DELETE', `/callbacks/${uid}`);
  }
  throw new Error('no attempt was armed 2 s before its due time in 5 tries: the machine is too busy to record');
}

export const HISTORY_SCENARIOS: readonly HistoryScenario[] = [
  // Still open when recorded: what a deploy meets in production (callbacks sleeping for months). A
  // registration alone has not run (Temporal's start delay holds it): the reschedule wakes it.
  {
    name: 'open-rescheduled-sleeping-for-a-year',
    expect: 'scheduled',
    async run(api) {
      const uid = await register(api, { alias: 'ok', args: ['far'], delaySeconds: 365 * 24 * HOUR });
      await api.call('PATCH', `/callbacks/${uid}`, { delaySeconds: 366 * 24 * HOUR });
      return uid;
    },
  },
  {
    name: 'open-rescheduled-waiting-for-retry',
    expect: 'retrying',
    async run(api) {
      const uid = await register(api, { alias: 'flaky', args: { failUntil: 99 }, delaySeconds: 0, retry: fixed(10, HOUR) });
      await reach(api, uid, 'retrying');
      await api.call('PATCH', `/callbacks/${uid}`, { delaySeconds: 2 * HOUR });
      return uid;
    },
  },
  {
    name: 'succeeded-first-try',
    expect: 'succeeded',
    run: (api) => register(api, { alias: 'ok', args: { order: 42 }, delaySeconds: 1 }),
  },
  {
    name: 'retried-then-succeeded',
    expect: 'succeeded',
    run: (api) => register(api, { alias: 'flaky', args: { failUntil: 2 }, delaySeconds: 0, retry: fixed(5, 1) }),
  },
  {
    name: 'failed-after-max-attempts',
    expect: 'failed',
    run: (api) => register(api, { alias: 'refuse', delaySeconds: 0, retry: { maxAttempts: 3, backoff: 'exponential', intervalSeconds: 1, maxIntervalSeconds: 2 } }),
  },
  {
    name: 'failed-alias-not-defined',
    expect: 'failed',
    run: (api) => register(api, { alias: 'nobody', delaySeconds: 0, retry: null }),
  },
  {
    name: 'failed-attempt-timeout',
    expect: 'failed',
    run: (api) => register(api, { alias: 'slow', args: { ms: 3_000 }, delaySeconds: 0, retry: null, attemptTimeoutSeconds: 1 }),
  },
  {
    name: 'cancelled-while-scheduled',
    expect: 'cancelled',
    async run(api) {
      const uid = await register(api, { alias: 'ok', delaySeconds: HOUR });
      await reach(api, uid, 'scheduled');
      await api.call('DELETE', `/callbacks/${uid}`);
      return uid;
    },
  },
  {
    // The signal is recorded while Temporal holds the first task (GET says cancelled at once); the
    // workflow applies it when it wakes, before any attempt.
    name: 'cancelled-by-signal',
    expect: 'cancelled',
    async run(api) {
      const uid = await register(api, { alias: 'ok', delaySeconds: ARMED_DELAY_SECONDS });
      await api.signalCancel(uid);
      await api.closed(uid);
      return uid;
    },
  },
  {
    name: 'rescheduled',
    expect: 'succeeded',
    async run(api) {
      const uid = await register(api, { alias: 'ok', delaySeconds: HOUR });
      await reach(api, uid, 'scheduled');
      await api.call('PATCH', `/callbacks/${uid}`, { delaySeconds: 1 });
      return uid;
    },
  },
  {
    name: 'cancelled-during-retry-wait',
    expect: 'cancelled',
    async run(api) {
      const uid = await register(api, { alias: 'flaky', args: { failUntil: 99 }, delaySeconds: 0, retry: fixed(5, HOUR) });
      await reach(api, uid, 'retrying');
      await api.call('DELETE', `/callbacks/${uid}`);
      return uid;
    },
  },
  {
    name: 'rescheduled-during-retry-wait',
    expect: 'succeeded',
    async run(api) {
      const uid = await register(api, { alias: 'flaky', args: { failUntil: 1 }, delaySeconds: 0, retry: fixed(5, HOUR) });
      await reach(api, uid, 'retrying');
      await api.call('PATCH', `/callbacks/${uid}`, { delaySeconds: 0 });
      return uid;
    },
  },
  // Version 2: pre-dispatch, stand-down, lost workers, continue-as-new, terminated.
  {
    name: 'cancelled-while-armed',
    expect: 'cancelled',
    async run(api) {
      const uid = await registerArmed(api);
      await api.call('DELETE', `/callbacks/${uid}`);
      return uid;
    },
  },
  {
    name: 'rescheduled-while-armed',
    expect: 'succeeded',
    async run(api) {
      const uid = await registerArmed(api);
      await api.call('PATCH', `/callbacks/${uid}`, { delaySeconds: 2 });
      return uid;
    },
  },
  {
    name: 'cancelled-while-queued',
    app: IDLE_APP,
    expect: 'cancelled',
    async run(api) {
      const uid = await register(api, { alias: 'ok', delaySeconds: 0 }, IDLE_APP);
      await reach(api, uid, 'running', IDLE_APP);
      await api.call('DELETE', `/callbacks/${uid}`, undefined, IDLE_APP);
      return uid;
    },
  },
  {
    name: 'cancel-refused-while-running',
    expect: 'succeeded',
    async run(api) {
      const uid = await register(api, { alias: 'gated', args: { gate: 'refused' }, delaySeconds: 0 });
      await api.waitForGate('refused');
      const answer = await api.statusOf('DELETE', `/callbacks/${uid}`);
      if (answer !== 409) throw new Error(`cancel of a running handler answered ${answer}, expected 409`);
      api.openGate('refused');
      return uid;
    },
  },
  {
    name: 'cancelled-by-signal-while-armed',
    expect: 'cancelled',
    async run(api) {
      const uid = await registerArmed(api);
      await api.signalCancel(uid);
      return uid;
    },
  },
  {
    name: 'failed-worker-lost',
    app: LOST_APP,
    expect: 'failed',
    run: (api) => register(api, { alias: 'ok', delaySeconds: 0, retry: null }, LOST_APP),
  },
  {
    name: 'continued-as-new',
    expect: 'scheduled',
    async run(api) {
      const uid = await register(api, { alias: 'ok', delaySeconds: HOUR });
      const firstRun = await rescheduleUntilContinued(api, uid);
      return { uid, runId: firstRun };
    },
  },
  {
    name: 'continued-run-then-succeeded',
    expect: 'succeeded',
    async run(api) {
      const uid = await register(api, { alias: 'flaky', args: { failUntil: 1 }, delaySeconds: HOUR, retry: fixed(3, 1) });
      await rescheduleUntilContinued(api, uid);
      await api.call('PATCH', `/callbacks/${uid}`, { delaySeconds: 1 });
      return uid;
    },
  },
  {
    name: 'terminated-while-retrying',
    expect: 'failed',
    async run(api) {
      const uid = await register(api, { alias: 'flaky', args: { failUntil: 99 }, delaySeconds: 0, retry: fixed(3, HOUR) });
      await reach(api, uid, 'retrying');
      await api.terminate(uid);
      return uid;
    },
  },
];
