/**
 * A scenario's batch of callbacks: what each one is planned to do, its
 * registration through the SDK (with a client's patience when the facade is
 * unreachable), and the outcome its retry strategy says it must end with.
 */
import type { DelayCallbackClient, RegisterParams } from '../../../client-sdk/index.js';
import { DelayCallbackError } from '../../../client-sdk/index.js';
import type { CallbackStatus } from '../../../workflows/contract.js';
import type { WorkArgs } from './runs.js';

export interface CallbackPlan {
  /** Index in the batch (also in the args, to find a second workflow of one registration). */
  n: number;
  delaySeconds: number;
  /** Handler duration. */
  ms: number;
  /** Attempts up to this number fail. */
  failUntil: number;
  /** 1: a single attempt (`retry: null`). */
  maxAttempts: number;
  /** Fixed backoff between attempts. @default 1 */
  intervalSeconds?: number;
  idempotencyKey?: string;
  /** Unregistered by the scenario before it fires. */
  cancel?: boolean;
}

/** What a client was told: the registration's answer. */
export interface Told {
  uid: string;
  plan: CallbackPlan;
  triggerAt: string;
  replayed: boolean;
}

export function expectedOutcome(plan: CallbackPlan): { status: CallbackStatus; attempts: number } {
  if (plan.cancel) return { status: 'cancelled', attempts: 0 };
  const attempts = Math.min(plan.failUntil + 1, plan.maxAttempts);
  return { status: plan.failUntil < plan.maxAttempts ? 'succeeded' : 'failed', attempts };
}

/** `count` plans; `shape(n)` sets what differs from a quick, single-attempt success. */
export function planBatch(count: number, shape: (n: number) => Partial<CallbackPlan>): CallbackPlan[] {
  return Array.from({ length: count }, (_, n) => ({ n, delaySeconds: 2, ms: 200, failUntil: 0, maxAttempts: 1, ...shape(n) }));
}

export function registerParams(plan: CallbackPlan): RegisterParams<WorkArgs> {
  return {
    alias: 'work',
    args: { n: plan.n, ms: plan.ms, failUntil: plan.failUntil },
    delaySeconds: plan.delaySeconds,
    retry: plan.maxAttempts === 1 ? null : { maxAttempts: plan.maxAttempts, backoff: 'fixed', intervalSeconds: plan.intervalSeconds ?? 1 },
    attemptTimeoutSeconds: 60,
    ...(plan.idempotencyKey === undefined ? {} : { idempotencyKey: plan.idempotencyKey }),
  };
}

/** No answer, or the service said "not now": a client holding an idempotency key sends the same request again. */
export function isRetryable(err: unknown): boolean {
  return err instanceof DelayCallbackError && (err.status === 0 || err.status === 429 || err.status === 503);
}

export interface RegisterOptions {
  /** Keep retrying a keyed registration until this long has passed. @default 0 (the SDK's own retries only) */
  patienceMs?: number;
  /** Called for every attempt that failed and will be retried. */
  onRetry?: (plan: CallbackPlan, err: DelayCallbackError) => void;
}

/** Runs `call` until it answers, sending again after a retryable failure until `patienceMs` has passed. */
export async function withPatience<T>(call: () => Promise<T>, patienceMs: number, onRetry?: (err: DelayCallbackError) => void): Promise<T> {
  const deadline = Date.now() + patienceMs;
  for (;;) {
    try {
      return await call();
    } catch (err) {
      if (!isRetryable(err) || Date.now() > deadline) throw err;
      onRetry?.(err as DelayCallbackError);
      await new Promise((resolve) => setTimeout(resolve, 300));
    }
  }
}

export async function register(sdk: DelayCallbackClient, plan: CallbackPlan, options: RegisterOptions = {}): Promise<Told> {
  // Only a keyed registration is safe to send again: without a key a retry may register it twice.
  const patienceMs = plan.idempotencyKey === undefined ? 0 : (options.patienceMs ?? 0);
  const answer = await withPatience(() => sdk.register(registerParams(plan)), patienceMs, (err) => options.onRetry?.(plan, err));
  return { uid: answer.uid, plan, triggerAt: answer.triggerAt, replayed: answer.replayed };
}

/**
 * An HTTP client that sends no Idempotency-Key (the SDK always sends one): such a registration
 * never touches Redis. Sent once; any answer but 201 fails the scenario.
 */
export async function registerWithoutKey(facadeUrl: string, app: string, plan: CallbackPlan): Promise<Told> {
  const response = await fetch(`${facadeUrl}/v1/apps/${app}/callbacks`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(registerParams(plan)),
    signal: AbortSignal.timeout(10_000),
  });
  const body = (await response.json()) as { uid: string; triggerAt: string };
  if (response.status !== 201) throw new Error(`an unkeyed registration was answered ${response.status}: ${JSON.stringify(body)}`);
  return { uid: body.uid, plan, triggerAt: body.triggerAt, replayed: false };
}

/** Registers every plan, `concurrency` at a time, in plan order. */
export async function registerAll(
  sdk: DelayCallbackClient,
  plans: readonly CallbackPlan[],
  options: RegisterOptions & { concurrency?: number; onTold?: (told: Told, answered: number) => void | Promise<void> } = {},
): Promise<Told[]> {
  const told: Told[] = [];
  let next = 0;
  const lane = async (): Promise<void> => {
    while (next < plans.length) {
      const plan = plans[next++] as CallbackPlan;
      const answer = await register(sdk, plan, options);
      told.push(answer);
      await options.onTold?.(answer, told.length);
    }
  };
  await Promise.all(Array.from({ length: options.concurrency ?? 4 }, lane));
  return told;
}
