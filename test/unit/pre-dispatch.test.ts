/** The worker's clock side of pre-dispatch (activities/pre-dispatch.ts): never early, stops on cancellation. */
import type { Context } from '@temporalio/activity';
import { describe, expect, it } from 'vitest';
import { CheckMargin, waitUntil } from '../../activities/pre-dispatch.js';

function fakeContext(signal = new AbortController().signal): { context: Context; beats: unknown[] } {
  const beats: unknown[] = [];
  return { context: { cancellationSignal: signal, heartbeat: (details: unknown) => beats.push(details) } as unknown as Context, beats };
}

describe('waitUntil', () => {
  it('resolves at the due millisecond of this clock, never before, and sends no heartbeat on a short wait', async () => {
    const { context, beats } = fakeContext();
    for (const ms of [0, 1, 7, 25, 60]) {
      const at = Date.now() + ms;
      await waitUntil(at, context);
      expect(Date.now()).toBeGreaterThanOrEqual(at);
    }
    expect(beats).toEqual([]);
  });

  it('rejects with the cancellation reason when the attempt is cancelled while it waits', async () => {
    const controller = new AbortController();
    const { context } = fakeContext(controller.signal);
    const waiting = waitUntil(Date.now() + 5_000, context);
    controller.abort(new Error('CANCELLED'));
    await expect(waiting).rejects.toThrow('CANCELLED');
  });
});

describe('the pre-start check margin', () => {
  it('stays a little above the slowest recent checks, within 30 to 250 ms', () => {
    const margin = new CheckMargin();
    expect(margin.ms).toBe(40);
    margin.observe(60);
    expect(margin.ms).toBe(100); // a slow check raises it at once
    for (let i = 0; i < 100; i++) margin.observe(5);
    expect(margin.ms).toBe(30); // and it decays back
    margin.observe(1_000);
    expect(margin.ms).toBe(250);
  });
});
