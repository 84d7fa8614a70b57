/**
 * The probe's load: registrations through the SDK (`DelayCallbackClient.register`,
 * its own retries off so every answer is seen) at a fixed rate, and an SDK worker
 * whose handler records when each callback fires. Fires are matched to
 * registrations by the args ({ run, seq }), so a fire of a refused registration
 * (a ghost) is caught even though its uid was never answered.
 */
import { randomBytes } from 'node:crypto';
import { DelayCallbackClient, DelayCallbackError } from '../../client-sdk/index.js';
import { pace, sleep } from './pacer.js';
import type { ProbeOptions } from './probe-options.js';

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
  /** Every handler invocation, in order. */
  fires: Fire[];
  startedAt: number;
  finishedAt: number;
  achievedRate: number;
  client: DelayCallbackClient;
}

/** Registers `rate` x `duration` callbacks and records every answer; the worker keeps recording fires. */
export async function runLoad(options: ProbeOptions, onProgress?: (line: string) => void): Promise<LoadResult> {
  const run = randomBytes(4).toString('hex');
  const fires: Fire[] = [];
  const client = new DelayCallbackClient({
    app: options.app,
    serverUrl: options.serverUrl,
    token: options.token,
    temporal: { address: options.temporalAddress, namespace: options.namespace },
    requestTimeoutMs: options.requestTimeoutMs,
    // Every answer is what the probe measures: no retry hides one.
    retries: 0,
    worker: { maxConcurrentHandlers: 1_000, shutdownGraceTimeMs: 5_000 },
  });
  client.define<ProbePayload>(PROBE_ALIAS, (request) => {
    const firedAt = Date.now();
    // Other runs' leftovers on the same app are not ours to count.
    if (request.args?.run === run) fires.push({ seq: request.args.seq, firedAt, attempt: request.attempt, uid: request.uid });
    return true;
  });
  await client.start();

  const count = Math.max(1, Math.round(options.rate * options.durationSeconds));
  const answers: Answer[] = new Array(count);
  let done = 0;
  const ticker = setInterval(() => onProgress?.(`registered ${done}/${count}, fired ${fires.length}`), 2_000);
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
  clearInterval(ticker);
  return { run, answers, fires, startedAt: result.startedAt, finishedAt: result.finishedAt, achievedRate: result.achievedRate, client };
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
