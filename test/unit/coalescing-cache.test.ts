import { describe, expect, it } from 'vitest';
import { CoalescingCache } from '../../server/coalescing-cache.js';
import { ServiceError } from '../../server/errors.js';
import { latch } from '../helpers/recorder.js';

/** A computation the test finishes by hand, counting its calls. */
function controlled<T>(value: T) {
  const calls: Array<ReturnType<typeof latch>> = [];
  return {
    calls,
    compute: async () => {
      const gate = latch();
      calls.push(gate);
      await gate.promise;
      return value;
    },
  };
}

const tick = () => new Promise((resolve) => setImmediate(resolve));

describe('CoalescingCache', () => {
  it('shares one computation between concurrent callers', async () => {
    const cache = new CoalescingCache<string>({ ttlMs: 0 });
    const { calls, compute } = controlled('v');
    const first = cache.get('app', 'k', compute);
    const second = cache.get('app', 'k', compute);
    await tick();
    expect(calls).toHaveLength(1);
    calls[0]!.open();
    expect(await first).toEqual(await second);
    expect((await first).value).toBe('v');
  });

  it('serves an answer again within ttlMs, with the time it was computed, and computes anew after', async () => {
    let now = 1_000;
    const cache = new CoalescingCache<number>({ ttlMs: 5_000, now: () => now });
    let computed = 0;
    const compute = async () => ++computed;
    expect(await cache.get('app', 'k', compute)).toEqual({ value: 1, computedAt: 1_000 });
    now = 5_999;
    expect(await cache.get('app', 'k', compute)).toEqual({ value: 1, computedAt: 1_000 });
    now = 6_000;
    expect(await cache.get('app', 'k', compute)).toEqual({ value: 2, computedAt: 6_000 });
  });

  it('computes each time with ttlMs 0', async () => {
    const cache = new CoalescingCache<number>({ ttlMs: 0 });
    let computed = 0;
    const compute = async () => ++computed;
    await cache.get('app', 'k', compute);
    await cache.get('app', 'k', compute);
    expect(computed).toBe(2);
  });

  it('does not keep a failure', async () => {
    const cache = new CoalescingCache<string>({ ttlMs: 60_000 });
    await expect(cache.get('app', 'k', async () => Promise.reject(new Error('down')))).rejects.toThrow('down');
    expect((await cache.get('app', 'k', async () => 'up')).value).toBe('up');
  });

  it('runs the computations of one lane one at a time, and of different lanes at once', async () => {
    const cache = new CoalescingCache<string>({ ttlMs: 0 });
    const a = controlled('a');
    const b = controlled('b');
    const c = controlled('c');
    const first = cache.get('app1', 'k1', a.compute);
    const second = cache.get('app1', 'k2', b.compute);
    const other = cache.get('app2', 'k1', c.compute);
    await tick();
    expect([a.calls.length, b.calls.length, c.calls.length]).toEqual([1, 0, 1]);
    a.calls[0]!.open();
    await first;
    await tick();
    expect(b.calls).toHaveLength(1);
    b.calls[0]!.open();
    c.calls[0]!.open();
    expect([(await second).value, (await other).value]).toEqual(['b', 'c']);
  });

  it('refuses with 429 OVERLOADED beyond maxQueuedPerLane waiting computations, and takes them again once done', async () => {
    const cache = new CoalescingCache<string>({ ttlMs: 0, maxQueuedPerLane: 1 });
    const slow = controlled('slow');
    const running = cache.get('app', 'k1', slow.compute);
    const queued = cache.get('app', 'k2', async () => 'queued');
    const refused = await cache.get('app', 'k3', async () => 'never').catch((err: unknown) => err);
    expect(refused).toBeInstanceOf(ServiceError);
    expect(refused).toMatchObject({ code: 'OVERLOADED', statusCode: 429, retryAfterSeconds: 1 });
    // Joining a computation already queued is not refused.
    const joined = cache.get('app', 'k2', async () => 'other');
    await tick();
    slow.calls[0]!.open();
    expect([(await running).value, (await queued).value, (await joined).value]).toEqual(['slow', 'queued', 'queued']);
    expect((await cache.get('app', 'k3', async () => 'now')).value).toBe('now');
  });
});
