import { describe, expect, it } from 'vitest';
import { HandlerSlots } from '../../activities/handler-slots.js';

const never = new AbortController().signal;
const tick = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

describe('handler slots', () => {
  it('lets `size` handlers run at once and hands a released slot to the longest waiter, never to a newcomer', async () => {
    const slots = new HandlerSlots(2);
    const order: string[] = [];
    const a = await slots.acquire(never, () => undefined, 1_000);
    await slots.acquire(never, () => undefined, 1_000);
    const third = slots.acquire(never, () => undefined, 1_000).then((release) => (order.push('third'), release));
    const fourth = slots.acquire(never, () => undefined, 1_000).then((release) => (order.push('fourth'), release));
    await tick();
    expect(order).toEqual([]);
    a();
    a(); // a second release of the same slot changes nothing
    await tick();
    expect(order).toEqual(['third']);
    (await third)();
    await tick();
    expect(order).toEqual(['third', 'fourth']);
    (await fourth)();
  });

  it('reports a waiting attempt alive, and stops waiting when the attempt is cancelled', async () => {
    const slots = new HandlerSlots(1);
    const release = await slots.acquire(never, () => undefined, 1_000);
    const cancel = new AbortController();
    let beats = 0;
    const waiting = slots.acquire(cancel.signal, () => beats++, 10);
    await new Promise((resolve) => setTimeout(resolve, 60));
    expect(beats).toBeGreaterThanOrEqual(2);
    cancel.abort(new Error('stand down'));
    await expect(waiting).rejects.toThrow('stand down');
    const countedAt = beats;
    await new Promise((resolve) => setTimeout(resolve, 40));
    expect(beats).toBe(countedAt);
    release();
    // The cancelled waiter left the queue: the slot is free for the next one at once.
    const next = await slots.acquire(never, () => undefined, 1_000);
    next();
  });

  it('refuses a size below one', () => {
    expect(() => new HandlerSlots(0)).toThrow(RangeError);
  });
});
