/**
 * Lost workers: an attempt is delivered again when its worker goes silent, a
 * bounded number of times (WORKER_LOSS_REDELIVERIES), then fails with
 * WORKER_LOST and the retry strategy takes over. A poison handler that blocks its
 * event loop on every delivery therefore ends, and healthy callbacks of the same
 * app go on. A handler that outlives its attempt timeout keeps its slot until it
 * settles.
 */
import { readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import type { ManagedChild } from '../../scripts/lib/managed-child.js';
import { waitFor } from '../../scripts/lib/wait-for.js';
import { killHard, startNodeProcess, tailOf } from '../faults/helpers/node-process.js';
import { Recorder, waitForStatus } from '../helpers/recorder.js';
import { startTestStack, uniqueName, type TestStack } from '../helpers/stack.js';

interface Run {
  alias: string;
  uid?: string;
  attempt?: number;
  pid: number;
  at: number;
}

let stack: TestStack;
let dir: string;
const children: ManagedChild[] = [];

beforeAll(async () => {
  stack = await startTestStack();
  dir = await mkdtemp(join(tmpdir(), 'worker-loss-'));
});
afterAll(async () => {
  await Promise.all(children.map((child) => killHard(child)));
  await stack?.close();
  await rm(dir, { recursive: true, force: true });
});

function runsIn(file: string): Run[] {
  try {
    return readFileSync(file, 'utf8').trim().split('\n').filter(Boolean).map((line) => JSON.parse(line) as Run);
  } catch {
    return [];
  }
}

/** Starts an SDK worker process (test/fixtures/blocking-worker.ts) for `app`; resolves once it polls. */
async function startBlockingWorker(app: string, runsFile: string, name: string): Promise<ManagedChild> {
  const logFile = join(dir, `${name}.log`);
  const child = startNodeProcess({
    name,
    script: 'test/fixtures/blocking-worker.ts',
    logFile,
    env: { APP: app, TEMPORAL_ADDRESS: inject('temporalAddress'), RUNS_FILE: runsFile },
  });
  children.push(child);
  await waitFor(`${name} ready\n${tailOf(logFile)}`, async () => runsIn(runsFile).some((run) => run.alias === 'ready' && run.pid === child.pid), {
    timeoutMs: 60_000,
    intervalMs: 100,
  });
  return child;
}

describe('a handler that blocks the event loop on every delivery', () => {
  it('is delivered 1 + WORKER_LOSS_REDELIVERIES times at most, then fails with WORKER_LOST; healthy callbacks of the app succeed', async () => {
    const app = uniqueName('poison');
    const runsFile = join(dir, 'poison-runs.jsonl');
    await Promise.all([startBlockingWorker(app, runsFile, 'worker-a'), startBlockingWorker(app, runsFile, 'worker-b')]);
    const client = stack.client(app);
    const poison = await client.register({ alias: 'block', args: { ms: 15_000 }, delaySeconds: 0, retry: null });
    const healthy = await Promise.all([2, 10, 20, 30, 40].map((delaySeconds) => client.register({ alias: 'ok', delaySeconds })));

    const failed = await waitForStatus(client, poison.uid, 'failed', 180_000);
    expect(failed.attempts).toBe(1);
    expect(failed.lastError?.code).toBe('WORKER_LOST');
    const poisonRuns = runsIn(runsFile).filter((run) => run.uid === poison.uid);
    const bound = 1 + stack.config.dispatch.workerLossRedeliveries;
    console.log(`poison handler: ${poisonRuns.length} runs (bound ${bound}) on pids ${[...new Set(poisonRuns.map((r) => r.pid))].join(', ')}`);
    expect(poisonRuns.length).toBeGreaterThanOrEqual(2); // delivered again after its worker went silent
    expect(poisonRuns.length).toBeLessThanOrEqual(bound);
    expect(poisonRuns.every((run) => run.attempt === 1)).toBe(true);

    // Healthy callbacks succeed. One whose attempt lands on a worker while its event loop is blocked
    // waits for it (Temporal's core keeps taking tasks for a blocked process) and may be delivered again,
    // or, if every delivery lands on a blocked worker, lose that attempt to WORKER_LOST: its retry
    // strategy then runs it again. The poison's reach is bounded by the same rule as its own.
    const attempts: number[] = [];
    for (const { uid } of healthy) attempts.push((await waitForStatus(client, uid, 'succeeded', 180_000)).attempts);
    console.log(`healthy callbacks: attempts ${attempts.join(', ')}`);
    // Nothing runs the poison again after the bound (the workflow is closed; it had a single attempt).
    await new Promise((resolve) => setTimeout(resolve, 2_000));
    expect(runsIn(runsFile).filter((run) => run.uid === poison.uid)).toHaveLength(poisonRuns.length);
  }, 240_000);
});

describe('a handler that outlives its attempt timeout', () => {
  it('keeps its worker slot until it settles: the next attempt on that worker starts after it', async () => {
    const client = stack.client(uniqueName('slot'), { worker: { maxConcurrentHandlers: 1, shutdownGraceTimeMs: 5_000 } });
    const recorder = new Recorder();
    let stubbornEnded = 0;
    client.define('stubborn', recorder.wrap(async () => {
      // Ignores req.signal on purpose.
      await new Promise((resolve) => setTimeout(resolve, 4_000));
      stubbornEnded = Date.now();
      return true;
    }));
    client.define('ok', recorder.wrap(async () => true));
    await client.start();
    const stubborn = await client.register({ alias: 'stubborn', delaySeconds: 0, retry: null, attemptTimeoutSeconds: 1 });
    const [first] = await recorder.waitForRuns(stubborn.uid, 1);
    const next = await client.register({ alias: 'ok', triggerAt: first!.at + 1_500 });
    const timedOut = await waitForStatus(client, stubborn.uid, 'failed');
    expect(timedOut.lastError?.code).toBe('ATTEMPT_TIMEOUT');
    const [run] = await recorder.waitForRuns(next.uid, 1);
    expect(stubbornEnded).toBeGreaterThan(0);
    expect(run!.at).toBeGreaterThanOrEqual(stubbornEnded);
    expect(run!.at).toBeGreaterThanOrEqual(Date.parse(next.triggerAt));
  });
});
