/** Admission control and the outcome rules, without servers: the limiter, the refusals, Retry-After parsing. */
import { describe, expect, it } from 'vitest';
import { parseRetryAfter } from '../../client-sdk/http.js';
import { Admission, type AdmissionSettings } from '../../server/admission/admission.js';
import { StartLimiter } from '../../server/admission/start-limiter.js';
import { isStartOutcomeUnknown } from '../../server/callbacks/registration-outcome.js';
import { ServiceError, dependencyUnavailable, type OverloadReason } from '../../server/errors.js';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

const SETTINGS: AdmissionSettings = {
  maxInflightStarts: 0,
  queueTimeoutMs: 0,
  maxEventLoopDelayMs: 500,
  maxHeapUsedBytes: 1_000_000,
  retryAfterSeconds: 3,
  maxFireBacklogSeconds: 0,
  dueSoonSeconds: 60,
};

function refusal(fn: () => unknown): ServiceError {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(ServiceError);
    return err as ServiceError;
  }
  throw new Error('expected a refusal');
}

describe('StartLimiter', () => {
  it('refuses 429 OVERLOADED when no slot frees up within the queue timeout, without running the start', async () => {
    const limiter = new StartLimiter({ maxInflight: 1, queueTimeoutMs: 30, retryAfterSeconds: 2 });
    let release!: () => void;
    const first = limiter.run(() => new Promise<string>((resolve) => (release = () => resolve('first'))));
    let secondRan = false;
    const second = limiter.run(async () => {
      secondRan = true;
      return 'second';
    });
    await expect(second).rejects.toMatchObject({ code: 'OVERLOADED', statusCode: 429, retryAfterSeconds: 2, details: [{ reason: 'start-queue' }] });
    expect(secondRan).toBe(false);
    expect(limiter.inflight).toBe(1);
    expect(limiter.queued).toBe(0);
    release();
    expect(await first).toBe('first');
  });

  it('runs a queued start when a slot frees up in time, and a running start keeps its slot past the queue timeout', async () => {
    const limiter = new StartLimiter({ maxInflight: 1, queueTimeoutMs: 500, retryAfterSeconds: 1 });
    const order: string[] = [];
    const slow = limiter.run(async () => {
      await sleep(100); // longer than nothing, shorter than the queue timeout
      order.push('slow');
      return 1;
    });
    const queued = limiter.run(async () => {
      order.push('queued');
      return 2;
    });
    expect(limiter.queued).toBe(1);
    expect(await Promise.all([slow, queued])).toEqual([1, 2]);
    expect(order).toEqual(['slow', 'queued']);

    const patient = new StartLimiter({ maxInflight: 1, queueTimeoutMs: 10, retryAfterSeconds: 1 });
    // Started at once: its own duration is not a queue wait.
    await expect(patient.run(() => sleep(60).then(() => 'done'))).resolves.toBe('done');
    expect(patient.inflight).toBe(0);
  });

  it('refuses at once, without waiting out the timeout, when the queue cannot drain in time at the recent pace', async () => {
    const limiter = new StartLimiter({ maxInflight: 1, queueTimeoutMs: 100, retryAfterSeconds: 1 });
    await limiter.run(() => sleep(250)); // starts take 250 ms: nothing queued gets a slot within 100 ms
    expect(limiter.drainableInTime).toBe(0);
    let firstDone = false;
    const first = limiter.run(() => sleep(300)).then(() => (firstDone = true));
    await expect(limiter.run(async () => 'never')).rejects.toMatchObject({ code: 'OVERLOADED' });
    expect(limiter.queued).toBe(0);
    expect(firstDone).toBe(false);
    await first;
    // Fast starts again: the queue may hold what drains within the timeout.
    for (let i = 0; i < 20; i++) await limiter.run(async () => undefined);
    expect(limiter.drainableInTime).toBeGreaterThan(1);
  });

  it('with queue timeout 0, refuses as soon as every slot is taken; with limit 0 it does not limit', async () => {
    const strict = new StartLimiter({ maxInflight: 1, queueTimeoutMs: 0, retryAfterSeconds: 1 });
    const held = strict.run(() => sleep(50));
    await expect(strict.run(async () => 'x')).rejects.toMatchObject({ code: 'OVERLOADED' });
    await held;
    const open = new StartLimiter({ maxInflight: 0, queueTimeoutMs: 0, retryAfterSeconds: 1 });
    expect(await Promise.all([1, 2, 3].map((n) => open.run(async () => n)))).toEqual([1, 2, 3]);
  });
});

describe('Admission', () => {
  it('refuses while the event loop lags or the heap is over its bound, naming the reason', () => {
    const refused: OverloadReason[] = [];
    let load = { eventLoopDelay: 10, heapUsed: 10 };
    const admission = new Admission(SETTINGS, { processLoad: () => load, onRefused: (reason) => refused.push(reason) });
    admission.admit(Date.now(), Date.now());
    load = { eventLoopDelay: 900, heapUsed: 10 };
    const lagging = refusal(() => admission.admit(Date.now(), Date.now()));
    expect(lagging).toMatchObject({ code: 'OVERLOADED', statusCode: 429, retryAfterSeconds: 3, details: [{ reason: 'event-loop-delay' }] });
    load = { eventLoopDelay: 10, heapUsed: 2_000_000 };
    expect(refusal(() => admission.admit(Date.now(), Date.now())).details).toEqual([{ reason: 'heap-used' }]);
    expect(refused).toEqual(['event-loop-delay', 'heap-used']);
  });

  it('refuses before anything else when the start queue is full (so no idempotency key is claimed for nothing)', async () => {
    const refused: OverloadReason[] = [];
    const admission = new Admission({ ...SETTINGS, maxInflightStarts: 1, queueTimeoutMs: 0 }, { onRefused: (reason) => refused.push(reason) });
    admission.admit(Date.now(), Date.now());
    const held = admission.start(() => sleep(50));
    expect(refusal(() => admission.admit(Date.now(), Date.now()))).toMatchObject({ code: 'OVERLOADED', details: [{ reason: 'start-queue' }] });
    await held;
    admission.admit(Date.now(), Date.now());
    expect(refused).toEqual(['start-queue']);
  });

  it('refuses only registrations due soon while firing is further behind than the bound, when that rule is on', () => {
    let backlog: number | undefined = 120;
    const now = Date.now();
    const on = new Admission({ ...SETTINGS, maxFireBacklogSeconds: 30, dueSoonSeconds: 60 }, { fireBacklogSeconds: () => backlog });
    expect(refusal(() => on.admit(now + 10_000, now)).details).toEqual([{ reason: 'fire-backlog' }]);
    on.admit(now + 120_000, now); // due later than "soon": accepted
    backlog = 10;
    on.admit(now + 10_000, now); // firing keeps up: accepted
    backlog = undefined;
    on.admit(now, now); // not sampled yet: accepted
    const off = new Admission(SETTINGS, { fireBacklogSeconds: () => 3_600 });
    off.admit(now, now);
  });
});

describe('isStartOutcomeUnknown', () => {
  const grpcError = (code: number): Error => Object.assign(new Error(`${code} grpc`), { code, details: 'x', metadata: {} });

  it('is true for deadline, unavailable, cancelled and our own bound, false for Temporal\'s definite answers', () => {
    for (const code of [1, 2, 4, 10, 13, 14]) expect(isStartOutcomeUnknown(new Error('wrapped', { cause: grpcError(code) })), String(code)).toBe(true);
    expect(isStartOutcomeUnknown(dependencyUnavailable('temporal', new Error('no answer within 1000 ms')))).toBe(true);
    for (const code of [3, 5, 6, 7, 8, 9, 16]) expect(isStartOutcomeUnknown(grpcError(code)), String(code)).toBe(false);
    expect(isStartOutcomeUnknown(new ServiceError('OVERLOADED', 'full'))).toBe(false);
    expect(isStartOutcomeUnknown(new TypeError('a bug'))).toBe(false);
  });
});

describe('parseRetryAfter (SDK)', () => {
  it('reads delay-seconds and HTTP dates, and ignores what it cannot read', () => {
    expect(parseRetryAfter('5')).toBe(5_000);
    expect(parseRetryAfter(' 0 ')).toBe(0);
    const now = Date.parse('2026-12-01T10:00:00Z');
    expect(parseRetryAfter('Tue, 01 Dec 2026 10:00:07 GMT', now)).toBe(7_000);
    expect(parseRetryAfter('Tue, 01 Dec 2026 09:59:00 GMT', now)).toBe(0);
    expect(parseRetryAfter(null)).toBeUndefined();
    expect(parseRetryAfter('soon')).toBeUndefined();
    expect(parseRetryAfter('-3')).toBeUndefined();
  });
});
