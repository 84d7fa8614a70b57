/**
 * Missed fires with the app's worker down across six fire times (every 2 s, bounded by
 * startAt/endAt so no later fire blurs the count), then back: Temporal starts each fire on time
 * and it waits in the app's queue, so the overlap policy (set from missedFirePolicy) decides.
 * skip runs at most one late fire, fireOnce exactly one (the earliest), fireAll all six in order,
 * skip with bufferOne at most two. And overlap skip with a handler slower than the interval.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { MissedFirePolicy, OverlapPolicy } from '../../client-sdk/index.js';
import { waitFor } from '../../scripts/lib/wait-for.js';
import { Recorder } from '../helpers/recorder.js';
import { startTestStack, uniqueName, type TestStack } from '../helpers/stack.js';

let stack: TestStack;
beforeAll(async () => {
  stack = await startTestStack();
});
afterAll(async () => stack?.close());

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const FIRES = 6;
const EVERY_MS = 2_000;

interface Outage {
  /** The six fire times, epoch ms. */
  times: number[];
  /** When the worker came back. */
  backAt: number;
  runs: Recorder['runs'];
  fires: { total: number; missed: number };
}

/** Stops the app's worker, lets six fire times pass, starts it again; `settle` decides when the runs are all in. */
async function outage(
  missedFirePolicy: MissedFirePolicy,
  overlap: OverlapPolicy | undefined,
  settle: (recorder: Recorder) => Promise<void>,
): Promise<Outage> {
  const recorder = new Recorder();
  const client = stack.client(uniqueName(`missed-${missedFirePolicy}`));
  client.define('tick', recorder.wrap(async () => true));
  await client.start();
  await client.stop(); // the app's worker is down

  const first = Math.ceil((Date.now() + 3_000) / 1000) * 1000;
  const times = Array.from({ length: FIRES }, (_, i) => first + i * EVERY_MS);
  const created = await client.schedule({
    scheduleId: 'm',
    alias: 'tick',
    every: '2s',
    startAt: new Date(first),
    endAt: new Date(times.at(-1)!),
    missedFirePolicy,
    ...(overlap === undefined ? {} : { overlap }),
  });
  expect(created.nextFireTimes).toEqual(times.slice(0, 5).map((time) => new Date(time).toISOString()));

  await sleep(times.at(-1)! + 1_500 - Date.now()); // all six fire times have passed
  expect(recorder.runs).toEqual([]);
  await client.start();
  const backAt = Date.now();
  await settle(recorder);
  const schedule = await client.getSchedule('m');
  expect(schedule.state).toBe('completed');
  await client.deleteSchedule('m');
  return { times, backAt, runs: recorder.runs, fires: schedule.fires };
}

/** Waits for `count` runs, then a while longer so that any extra one would show. */
const runsSettle = (count: number) => async (recorder: Recorder) => {
  if (count > 0) await waitFor(`${count} run(s)`, async () => recorder.runs.length >= count, { timeoutMs: 60_000, intervalMs: 100 });
  await sleep(6_000);
};

function expectLate(result: Outage): void {
  for (const run of result.runs) {
    expect(result.times).toContain(Date.parse(run.triggerAt));
    expect(run.at).toBeGreaterThanOrEqual(result.backAt);
  }
}

describe.concurrent('missed fires with the app worker down for six fire times', () => {
  it('skip: at most one late fire; the others are counted missed', async () => {
    const result = await outage('skip', undefined, runsSettle(1));
    console.log(`skip: ${result.runs.length} late fire(s), fires ${JSON.stringify(result.fires)}`);
    expect(result.runs.length).toBeLessThanOrEqual(1);
    expectLate(result);
    expect(result.fires.total + result.fires.missed).toBe(FIRES);
  });

  it('fireOnce: exactly one catch-up fire, the earliest missed time', async () => {
    const result = await outage('fireOnce', undefined, runsSettle(1));
    expect(result.runs).toHaveLength(1);
    expect(Date.parse(result.runs[0]!.triggerAt)).toBe(result.times[0]);
    expectLate(result);
    expect(result.fires).toMatchObject({ total: 1, missed: FIRES - 1 });
  });

  it('fireAll: all six, in order, one after another', async () => {
    const result = await outage('fireAll', undefined, runsSettle(FIRES));
    expect(result.runs.map((run) => Date.parse(run.triggerAt))).toEqual(result.times);
    expectLate(result);
    for (let i = 1; i < result.runs.length; i++) expect(result.runs[i]!.at).toBeGreaterThanOrEqual(result.runs[i - 1]!.at);
    expect(result.fires).toMatchObject({ total: FIRES, missed: 0 });
  });

  it('skip with overlap bufferOne: at most one more late fire (the one kept waiting)', async () => {
    const result = await outage('skip', 'bufferOne', runsSettle(2));
    expect(result.runs.length).toBeLessThanOrEqual(2);
    expectLate(result);
    expect(result.fires.total + result.fires.missed).toBe(FIRES);
  });
});

describe('overlap', () => {
  it('skip: a fire due while the previous one still runs is dropped and counted; runs never overlap', async () => {
    const recorder = new Recorder();
    const client = stack.client(uniqueName('overlap-skip'));
    const ends: number[] = [];
    client.define(
      'slow',
      recorder.wrap(async () => {
        await sleep(3_000);
        ends.push(Date.now());
        return true;
      }),
    );
    await client.start();
    await client.schedule({ scheduleId: 'o', alias: 'slow', every: '2s' });
    await waitFor('three runs', async () => recorder.runs.length >= 3, { timeoutMs: 60_000, intervalMs: 100 });
    await client.pauseSchedule('o');
    const schedule = await client.getSchedule('o');
    await client.deleteSchedule('o');
    const runs = recorder.runs.slice(0, 3);
    for (let i = 1; i < runs.length; i++) {
      expect(runs[i]!.at).toBeGreaterThanOrEqual(ends[i - 1]!);
      // A 3 s run spans the next fire time: that one is dropped, so trigger times are at least 4 s apart.
      expect(Date.parse(runs[i]!.triggerAt) - Date.parse(runs[i - 1]!.triggerAt)).toBeGreaterThanOrEqual(4_000);
    }
    expect(schedule.fires.missed).toBeGreaterThanOrEqual(2);
  });
});
