/** Pending mode's helpers: a closed-loop driver, and GET / list / stats / cancel timed with the pending set present. */
import { Connection } from '@temporalio/client';
import type { DelayCallbackClient } from '../../client-sdk/index.js';
import { distribution, type Distribution } from './stats.js';

/** Runs `task(i)` for i = 0..count-1 with `concurrency` in flight (as fast as the system answers). */
export async function closedLoop(count: number, concurrency: number, task: (index: number) => Promise<void>): Promise<void> {
  let next = 0;
  const lane = async (): Promise<void> => {
    while (next < count) await task(next++);
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, count) }, lane));
}

export interface OperationProbes {
  get: Distribution;
  list: Distribution;
  /** 'HTTP' or, while the facade has no list route, Temporal visibility directly. */
  listVia: string;
  stats: Distribution | null;
  cancel: Distribution;
  errors: string[];
}

const GETS = 200;
const LISTS = 20;
const CANCELS = 100;

export async function probeOperations(
  facadeUrl: string,
  app: string,
  client: DelayCallbackClient,
  uids: string[],
  temporalAddress: string,
): Promise<OperationProbes> {
  const errors: string[] = [];
  const timed = async (times: number[], call: () => Promise<unknown>): Promise<void> => {
    const started = performance.now();
    try {
      await call();
      times.push(performance.now() - started);
    } catch (err) {
      errors.push(err instanceof Error ? err.message : String(err));
    }
  };
  const pickUid = (i: number): string => uids[Math.floor(((i * 7919) % 1000) / 1000 * uids.length)] ?? uids[0]!;

  const gets: number[] = [];
  for (let i = 0; i < GETS; i++) await timed(gets, () => client.get(pickUid(i)));

  const base = `${facadeUrl}/v1/apps/${encodeURIComponent(app)}`;
  const lists: number[] = [];
  let listVia = 'HTTP';
  const probe = await fetch(`${base}/callbacks?status=scheduled&pageSize=50`);
  if (probe.ok) {
    for (let i = 0; i < LISTS; i++) {
      await timed(lists, async () => {
        const response = await fetch(`${base}/callbacks?status=scheduled&pageSize=50`);
        if (!response.ok) throw new Error(`list answered ${response.status}`);
        await response.json();
      });
    }
  } else {
    listVia = `Temporal visibility (the facade answered ${probe.status}: no list route yet)`;
    const connection = await Connection.connect({ address: temporalAddress });
    try {
      const query = `CallbackApp = '${app}' AND CallbackStatus = 'scheduled'`;
      for (let i = 0; i < LISTS; i++) {
        await timed(lists, () => connection.workflowService.listWorkflowExecutions({ namespace: 'default', pageSize: 50, query }));
      }
    } finally {
      await connection.close();
    }
  }

  let stats: Distribution | null = null;
  if ((await fetch(`${base}/stats`)).ok) {
    const times: number[] = [];
    for (let i = 0; i < 10; i++) await timed(times, async () => (await fetch(`${base}/stats`)).json());
    stats = distribution(times);
  }

  const cancels: number[] = [];
  for (let i = 0; i < CANCELS && i < uids.length; i++) await timed(cancels, () => client.unregister(uids[uids.length - 1 - i]!));
  return { get: distribution(gets), list: distribution(lists), listVia, stats, cancel: distribution(cancels), errors };
}
