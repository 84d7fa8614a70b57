/**
 * --pending N: N callbacks due 30 days out. Measures the registration rate, the
 * RSS of our processes and of the Temporal server as the pending set grows (it
 * should stay flat for ours: a sleeping workflow is not kept in memory), the
 * Temporal database bytes per pending callback (the SQLite file, measured after
 * the server checkpointed it on shutdown), and GET / list / cancel with them
 * present. BullMQ gets the same N delayed jobs; Redis memory per job is its
 * counterpart of our database bytes.
 */
import { stat } from 'node:fs/promises';
import { Connection } from '@temporalio/client';
import { DelayCallbackClient } from '../../client-sdk/index.js';
import type { BenchOptions } from './cli.js';
import { readHeap, type HeapReading } from './heap.js';
import { measureBullmqPending, type BullmqPending } from './pending-bullmq.js';
import { OUR_PROCESSES, watchOurProcesses } from './ours.js';
import { sleep } from './pacer.js';
import { Progress } from './progress.js';
import { RssSampler } from './rss.js';
import { loadavg, round1 } from './scenario.js';
import { distribution, type Distribution } from './stats.js';
import type { BenchStack } from './stack.js';
import { pendingChecks, type TargetCheck } from './targets.js';
import { scrapeServer } from './temporal-metrics.js';
import { closedLoop, probeOperations, type OperationProbes } from './pending-probes.js';

export { pendingChart } from './pending-chart.js';
export { printPending } from './pending-report.js';

const PENDING_DELAY_MS = 30 * 86_400_000;

export interface PendingPoint {
  registered: number;
  elapsedSeconds: number;
  rssMb: Record<string, number>;
}

export interface PendingOutcome {
  pending: number;
  registered: number;
  registrationErrors: number;
  firstRegistrationError: string | null;
  registrationSeconds: number;
  registrationsPerSecond: number;
  registrationLatencyMs: Distribution;
  /** Workflow tasks the registrations caused, and how long after the last one the service worker was done with them. */
  registrationWorkflowTasks: { tasks: number; seconds: number | null };
  /** RSS at every tenth of the registrations. */
  curve: PendingPoint[];
  peakRssMb: Record<string, number>;
  /** After the registrations, once the processes settled. */
  settledRssMb: Record<string, number>;
  /** Every process's RSS over the whole run, [seconds, MB], with the phases' end times. */
  rssSeries: Record<string, Array<[number, number]>>;
  phases: Record<string, number>;
  /** The service worker's V8 heap at each phase (RSS beyond it is native memory). */
  serviceWorkerHeap: Record<string, HeapReading | null>;
  /** CPU seconds each process used from the start of the registrations to each phase's end. */
  cpuSecondsByPhase: Record<string, Record<string, number>>;
  database: {
    /** The SQLite file (and any WAL left) after the server's shutdown checkpoint. */
    fileBytes: number;
    walBytes: number;
    /** The database before the registrations (a fresh dev server's tables). */
    baselineBytes: number;
    bytesPerPending: number;
    visibleScheduled: number | null;
  };
  operations: OperationProbes;
  bullmq: BullmqPending | null;
  extrapolation1M: Record<string, string | number>;
  checks: TargetCheck[];
  loadavgAtEnd: number[];
}

export async function runPending(stack: BenchStack, app: string, options: BenchOptions): Promise<PendingOutcome> {
  const workflowTasksBefore = await completedWorkflowTasks(stack);
  const heapAtStart = await readHeap(`${stack.serviceWorkerUrl}/metrics`);
  if (!stack.dbFile) throw new Error('--pending needs a Temporal server of our own (npm run dev reused a running one)');
  const dbFile = stack.dbFile;
  const baselineBytes = (await fileSize(dbFile)) + (await fileSize(`${dbFile}-wal`));
  const sampler = new RssSampler(1_000);
  watchOurProcesses(sampler, stack);
  sampler.start();
  sampler.reset();
  const client = new DelayCallbackClient({ app, serverUrl: stack.facadeUrl, requestTimeoutMs: 30_000 });
  const n = options.pending;
  const uids: string[] = new Array(n);
  const latencies: number[] = [];
  const curve: PendingPoint[] = [{ registered: 0, elapsedSeconds: 0, rssMb: lastRss(sampler) }];
  let errors = 0;
  let firstError: string | null = null;
  const progress = new Progress(`ours pending`);
  const base = Date.now() + PENDING_DELAY_MS;
  const started = Date.now();
  let nextMark = 1;

  await closedLoop(n, options.concurrency, async (seq) => {
    const sent = performance.now();
    try {
      const { uid } = await client.register({ alias: 'bench', args: { run: 'pending', seq }, triggerAt: base + seq });
      latencies.push(performance.now() - sent);
      uids[seq] = uid;
    } catch (err) {
      errors++;
      firstError ??= err instanceof Error ? err.message : String(err);
    }
    const done = latencies.length + errors;
    progress.update(done, n, `${done}/${n} at ${Math.round(done / Math.max(0.001, (Date.now() - started) / 1000))}/s`);
    if (done >= (nextMark * n) / 10) {
      nextMark++;
      sampler.sample();
      curve.push({ registered: done, elapsedSeconds: round1((Date.now() - started) / 1000), rssMb: lastRss(sampler) });
    }
  });
  const registrationSeconds = (Date.now() - started) / 1000;
  const phases: Record<string, number> = { registered: registrationSeconds };
  const serviceWorkerHeap: Record<string, HeapReading | null> = { start: heapAtStart };
  const cpuSecondsByPhase: Record<string, Record<string, number>> = {};
  const mark = async (phase: string): Promise<void> => {
    phases[phase] = round1((Date.now() - started) / 1000);
    cpuSecondsByPhase[phase] = sampler.cpuSeconds();
    serviceWorkerHeap[phase] = await readHeap(`${stack.serviceWorkerUrl}/metrics`);
  };
  await mark('registered');
  progress.done(`registered ${latencies.length} in ${round1(registrationSeconds)} s (${errors} errors)`);

  // Registrations can outrun the service worker: wait until every workflow ran its first task (set its
  // timer), then let the tail settle, so memory and GET / list / cancel are read in the steady state.
  const registrationWorkflowTasks = await waitForFirstTasks(stack, workflowTasksBefore, latencies.length);
  await mark('workflowTasksDone');
  await sleep(10_000);
  sampler.sample();
  const settledRssMb = lastRss(sampler);
  await mark('settled');
  const registeredUids = uids.filter((uid): uid is string => uid !== undefined);
  const visibleScheduled = await countScheduled(stack, app);
  const operations = await probeOperations(stack.facadeUrl, app, client, registeredUids, stack.temporal.address);
  await mark('probed');
  const bullmq = options.bullmq ? await measureBullmqPending(stack.redis.url, n, options.concurrency) : null;
  sampler.stop();
  const peakRssMb = sampler.peaks();

  // Stop everything but Redis; the dev server checkpoints its WAL into the file on a clean shutdown.
  await stack.stopServices();
  const fileBytes = await fileSize(dbFile);
  const walBytes = await fileSize(`${dbFile}-wal`);
  const bytesPerPending = Math.round(Math.max(0, fileBytes + walBytes - baselineBytes) / Math.max(1, registeredUids.length));
  const database = { fileBytes, walBytes, baselineBytes, bytesPerPending, visibleScheduled };

  const registrationsPerSecond = round1(registeredUids.length / registrationSeconds);
  const ours = OUR_PROCESSES.filter((name) => name !== 'temporal');
  const worst = Math.max(...ours.map((name) => peakRssMb[name] ?? 0));
  const temporalSlopeMbPer1k = slope(curve, 'temporal');
  const checks: TargetCheck[] = pendingChecks(n, database.bytesPerPending, peakRssMb, ours);
  return {
    pending: n,
    registered: registeredUids.length,
    registrationErrors: errors,
    firstRegistrationError: firstError,
    registrationSeconds: round1(registrationSeconds),
    registrationsPerSecond,
    registrationLatencyMs: distribution(latencies),
    registrationWorkflowTasks,
    curve,
    peakRssMb,
    settledRssMb,
    rssSeries: Object.fromEntries(sampler.snapshot().map((series) => [series.name, thin(series.samples, started - sampler.startedAt)])),
    phases,
    serviceWorkerHeap,
    cpuSecondsByPhase,
    database,
    operations,
    bullmq,
    extrapolation1M: {
      registrationMinutes: round1(1_000_000 / registrationsPerSecond / 60),
      temporalDbGb: Math.round((database.bytesPerPending * 1_000_000) / 2 ** 30 * 100) / 100,
      temporalServerRssMb: Math.round((peakRssMb.temporal ?? 0) + temporalSlopeMbPer1k * ((1_000_000 - n) / 1000)),
      ourProcessesRssMb: `not proportional to pending callbacks: the facade and app worker hold none, the service worker at most its sticky cache (peak ${worst} MB at ${n})`,
      ...(bullmq ? { bullmqRedisMemoryGb: Math.round((bullmq.bytesPerJob * 1_000_000) / 2 ** 30 * 100) / 100 } : {}),
    },
    checks,
    loadavgAtEnd: loadavg(),
  };
}

/** At most ~300 points, times in seconds from the start of the registrations. */
function thin(samples: Array<[number, number]>, offsetMs: number): Array<[number, number]> {
  const step = Math.max(1, Math.ceil(samples.length / 300));
  return samples.filter((_, i) => i % step === 0).map(([ms, mb]) => [round1((ms - offsetMs) / 1000), mb]);
}

/** Workflow tasks completed on the server so far (each pending callback has run exactly one). */
async function completedWorkflowTasks(stack: BenchStack): Promise<number> {
  if (!stack.temporalMetricsUrl) return 0;
  return (await scrapeServer(stack.temporalMetricsUrl))?.rpc['frontend:RespondWorkflowTaskCompleted'] ?? 0;
}

/**
 * Waits until the service worker has run the workflow tasks the registrations caused: one per callback
 * when each workflow starts at once and sets a timer, none with a start delay. Returns how long after the
 * last registration that took, or null if they never caught up within 20 minutes.
 */
async function waitForFirstTasks(stack: BenchStack, before: number, expected: number): Promise<{ tasks: number; seconds: number | null }> {
  const started = Date.now();
  const progress = new Progress('workflow tasks');
  let last = -1;
  let stableSince = Date.now();
  while (Date.now() - started < 20 * 60_000) {
    const done = (await completedWorkflowTasks(stack)) - before;
    if (done !== last) stableSince = Date.now();
    last = done;
    progress.update(done, expected, `${done}/${expected} workflow tasks run since the registrations began`);
    // Caught up: one task per callback, or no task coming (start delay: nothing runs before the trigger).
    if (done >= expected || Date.now() - stableSince > 5_000) {
      const seconds = round1((Date.now() - started - (done >= expected ? 0 : 5_000)) / 1000);
      progress.done(`${done} workflow tasks for ${expected} registrations, settled ${seconds} s after the last one`);
      return { tasks: done, seconds: Math.max(0, seconds) };
    }
    await sleep(1_000);
  }
  progress.done('the service worker did not catch up within 20 minutes');
  return { tasks: last, seconds: null };
}

function lastRss(sampler: RssSampler): Record<string, number> {
  return Object.fromEntries(sampler.snapshot().map((series) => [series.name, series.lastMb]));
}

/** MB of RSS per 1 000 callbacks: least-squares slope over the curve past its first point (start-up), never below 0. */
function slope(curve: PendingPoint[], name: string): number {
  const points = curve.slice(1).map((p) => [p.registered / 1000, p.rssMb[name] ?? 0] as const);
  if (points.length < 2) return 0;
  const meanX = points.reduce((sum, [x]) => sum + x, 0) / points.length;
  const meanY = points.reduce((sum, [, y]) => sum + y, 0) / points.length;
  const sxx = points.reduce((sum, [x]) => sum + (x - meanX) ** 2, 0);
  const sxy = points.reduce((sum, [x, y]) => sum + (x - meanX) * (y - meanY), 0);
  return sxx === 0 ? 0 : Math.max(0, sxy / sxx);
}

async function fileSize(path: string): Promise<number> {
  return stat(path).then((s) => s.size, () => 0);
}

/** How many of the app's callbacks visibility shows as scheduled (checks nothing went missing). */
async function countScheduled(stack: BenchStack, app: string): Promise<number | null> {
  const connection = await Connection.connect({ address: stack.temporal.address });
  try {
    const response = await connection.workflowService.countWorkflowExecutions({
      namespace: stack.temporal.namespace,
      query: `CallbackApp = '${app}' AND CallbackStatus = 'scheduled'`,
    });
    return Number(response.count ?? 0);
  } catch {
    return null;
  } finally {
    await connection.close();
  }
}
