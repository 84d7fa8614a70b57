/**
 * The probe's load: registrations through the SDK (`DelayCallbackClient.register`,
 * its own retries off so every answer is seen) at a fixed rate, and an SDK worker
 * (a child process, bench/lib/probe-worker.ts) whose handler records when each
 * callback fires. Fires are matched to registrations by the args ({ run, seq }),
 * so a fire of a refused registration (a ghost) is caught even though its uid was
 * never answered. The probe also watches its own event loop: a starved probe
 * would report its own delays as the service's.
 */
import { fork, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { DelayCallbackClient, DelayCallbackError } from '../../client-sdk/index.js';
import { pace, sleep } from './pacer.js';
import type { ProbeOptions } from './probe-options.js';
import type { ProbeWorkerConfig, ProbeWorkerMessage } from './probe-worker.js';

export const PROBE_ALIAS = 'probe';

export interface ProbePayload {
  run: string;
  seq: number;
}

/** What one registration was answered. */
export interface Answer {
  seq: number;
  sentAt: number;
  answeredAt: number;
  /** HTTP status; 0 when no answer arrived (timeout, network error). */
  status: number;
  /** The API's error code, or CREATED / REPLAYED. */
  code: string;
  /** Whether a 429/503 carried a Retry-After the SDK could read. */
  retryAfter: boolean;
  /** From a 201/200 body, or the details of 503 REGISTRATION_OUTCOME_UNKNOWN. */
  uid?: string;
  /** The trigger time the facade answered (201/200), epoch ms. */
  triggerAt?: number;
  /** The trigger time the probe asked for (sentAt + delay), epoch ms. */
  intendedTriggerAt: number;
}

export interface Fire {
  seq: number;
  firedAt: number;
  attempt: number;
  uid: string;
}

export interface LoadResult {
  run: string;
  answers: Answer[];
  /** Every handler invocation, in order (grows while the worker runs). */
  fires: Fire[];
  startedAt: number;
  finishedAt: number;
  achievedRate: number;
  /** The probe's own event-loop delay while registering, ms. */
  probeLoopDelayMs: { p99: number; max: number };
  /** Stops the worker child (after its last fires arrived). */
  stopWorker(): Promise<void>;
}

/** Starts the worker child; resolves once it polls. */
async function startWorker(config: ProbeWorkerConfig, fires: Fire[]): Promise<ChildProcess> {
  const child = fork(new URL('./probe-worker.ts', import.meta.url).pathname, [], {
    execArgv: ['--import', 'tsx'],
    env: { ...process.env, PROBE_WORKER_CONFIG: JSON.stringify(config) },
    stdio: ['ignore', 'ignore', 'inherit', 'ipc'],
  });
  await new Promise<void>((resolve, reject) => {
    child.on('message', (message: ProbeWorkerMessage) => {
      if (message.type === 'ready') resolve();
      else if (message.type === 'error') reject(new Error(`probe worker: ${message.message}`));
      else for (const [seq, firedAt, attempt, uid] of message.fires) fires.push({ seq, firedAt, attempt, uid });
    });
    child.once('exit', (code) => reject(new Error(`probe worker exited (${code}) before it was ready`)));
  });
  return child;
}

/** Registers `rate` x `duration` callbacks and records every answer; the worker keeps recording fires. */
export async function runLoad(options: ProbeOptions, onProgress?: (line: string) => void): Promise<LoadResult> {
  const run = randomBytes(4).toString('hex');
  const fires: Fire[] = [];
  const worker = await startWorker(
    { run, app: options.app, alias: PROBE_ALIAS, serverUrl: options.serverUrl, temporalAddress: options.temporalAddress, namespace: options.namespace, token: options.token },
    fires,
  );
  const client = new DelayCallbackClient({
    app: options.app,
    serverUrl: options.serverUrl,
    token: options.token,
    requestTimeoutMs: options.requestTimeoutMs,
    // Every answer is what the probe measures: no retry hides one.
    retries: 0,
  });

  const count = Math.max(1, Math.round(options.rate * options.durationSeconds));
  const answers: Answer[] = new Array(count);
  let done = 0;
  const ticker = setInterval(() => onProgress?.(`registered ${done}/${count}, fired ${fires.length}`), 2_000);
  const loop = monitorEventLoopDelay({ resolution: 10 });
  loop.enable();
  const result = await pace({ count, ratePerSecond: options.rate, maxInFlight: options.maxInFlight }, async (seq) => {
    const delaySeconds = options.delaySeconds + Math.random() * options.spreadSeconds;
    const sentAt = Date.now();
    const base = { seq, sentAt, intendedTriggerAt: sentAt + Math.ceil(delaySeconds * 1000) };
    try {
      const summary = await client.register<ProbePayload>({ alias: PROBE_ALIAS, args: { run, seq }, delaySeconds, retry: null });
      answers[seq] = {
        ...base,
        answeredAt: Date.now(),
        status: summary.replayed ? 200 : 201,
        code: summary.replayed ? 'REPLAYED' : 'CREATED',
        retryAfter: false,
        uid: summary.uid,
        triggerAt: Date.parse(summary.triggerAt),
      };
    } catch (err) {
      answers[seq] = { ...base, answeredAt: Date.now(), ...describeFailure(err) };
    } finally {
      done++;
    }
  });
  loop.disable();
  clearInterval(ticker);
  const stopWorker = async (): Promise<void> => {
    if (worker.exitCode !== null) return;
    const exited = new Promise((resolve) => worker.once('exit', resolve));
    worker.send({ type: 'stop' });
    await exited;
  };
  return {
    run,
    answers,
    fires,
    startedAt: result.startedAt,
    finishedAt: result.finishedAt,
    achievedRate: result.achievedRate,
    probeLoopDelayMs: { p99: Math.round(loop.percentile(99) / 1e6), max: Math.round(loop.max / 1e6) },
    stopWorker,
  };
}

function describeFailure(err: unknown): Pick<Answer, 'status' | 'code' | 'retryAfter' | 'uid'> {
  if (!(err instanceof DelayCallbackError)) return { status: 0, code: `CLIENT_${(err as Error)?.name ?? 'ERROR'}`, retryAfter: false };
  const detail = err.details?.[0] as { uid?: unknown } | undefined;
  return {
    status: err.status,
    code: err.code,
    retryAfter: err.retryAfterMs !== undefined,
    uid: typeof detail?.uid === 'string' ? detail.uid : undefined,
  };
}

/** Waits until every registration in `expected` fired, or until `deadline`. */
export async function waitForFires(load: LoadResult, expected: ReadonlySet<number>, deadline: number, onProgress?: (line: string) => void): Promise<void> {
  let lastReport = 0;
  for (;;) {
    const fired = new Set(load.fires.map((fire) => fire.seq));
    const missing = [...expected].filter((seq) => !fired.has(seq)).length;
    if (missing === 0 || Date.now() >= deadline) return;
    if (Date.now() - lastReport > 5_000) {
      lastReport = Date.now();
      onProgress?.(`waiting for fires: ${missing} accepted not fired yet, ${Math.round((deadline - Date.now()) / 1000)} s left`);
    }
    await sleep(250);
  }
}
