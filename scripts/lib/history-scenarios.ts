/**
 * The lives of a callback that recorded histories cover (scripts/record-histories.ts):
 * each path through the `delayCallback` workflow that production histories can take.
 * Handlers of the recording worker: `ok` succeeds, `flaky` throws until `args.failUntil`,
 * `refuse` returns false, `slow` outlives a 1 s attempt timeout; `nobody` is not defined.
 */
import type { CallbackStatus } from '../../workflows/contract.js';
import { waitFor } from './wait-for.js';

/** The facade's HTTP API for the recording app, and an operator's cancel signal. */
export interface Api {
  call(method: 'GET' | 'POST' | 'PATCH' | 'DELETE', path: string, body?: unknown): Promise<unknown>;
  status(uid: string): Promise<string>;
  signalCancel(uid: string): Promise<void>;
}

export interface HistoryScenario {
  /** File name in test/histories/. */
  name: string;
  /** The status at which the history is taken: a final one, or a waiting one for a workflow still open. */
  expect: Extract<CallbackStatus, 'succeeded' | 'failed' | 'cancelled' | 'scheduled' | 'retrying'>;
  /** Registers (and steers) one callback; resolves with its uid. */
  run(api: Api): Promise<string>;
}

const fixed = (maxAttempts: number, intervalSeconds: number) => ({ maxAttempts, backoff: 'fixed', intervalSeconds, maxIntervalSeconds: intervalSeconds });
const HOUR = 3_600;

async function register(api: Api, body: Record<string, unknown>): Promise<string> {
  return ((await api.call('POST', '/callbacks', body)) as { uid: string }).uid;
}

async function reach(api: Api, uid: string, status: CallbackStatus): Promise<void> {
  await waitFor(`${uid} ${status}`, async () => (await api.status(uid)) === status, { timeoutMs: 60_000, intervalMs: 100 });
}

export const HISTORY_SCENARIOS: readonly HistoryScenario[] = [
  // Still open when recorded: what a deploy meets in production (callbacks sleeping for months).
  {
    name: 'open-sleeping-for-a-year',
    expect: 'scheduled',
    run: (api) => register(api, { alias: 'ok', args: ['far'], delaySeconds: 365 * 24 * HOUR }),
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
    name: 'cancelled-by-signal',
    expect: 'cancelled',
    async run(api) {
      const uid = await register(api, { alias: 'ok', delaySeconds: HOUR });
      await reach(api, uid, 'scheduled');
      await api.signalCancel(uid);
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
];
