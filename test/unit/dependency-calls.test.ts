/** boundedCall: past its bound the request gets 503 DEPENDENCY_UNAVAILABLE and the call is told to stop. */
import { describe, expect, it } from 'vitest';
import { boundedCall, isNoAnswerInTime } from '../../server/callbacks/dependency-calls.js';
import { ServiceError } from '../../server/errors.js';

describe('boundedCall', () => {
  it('answers DEPENDENCY_UNAVAILABLE past the bound and aborts the signal it gave the call', async () => {
    let aborted: unknown;
    const call = (signal: AbortSignal) =>
      new Promise<string>((_, reject) =>
        signal.addEventListener('abort', () => {
          aborted = signal.reason;
          reject(new Error('cancelled'));
        }),
      );
    const err = await boundedCall('temporal', 50, call).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ServiceError);
    expect((err as ServiceError).code).toBe('DEPENDENCY_UNAVAILABLE');
    expect(aborted).toBe(err);
    // Told apart from an answered failure: a query or update past it is probed for a service worker.
    expect(isNoAnswerInTime((err as ServiceError).cause)).toBe(true);
    expect(isNoAnswerInTime(new Error('refused'))).toBe(false);
  });

  it('leaves a call that answers in time alone', async () => {
    let signal: AbortSignal | undefined;
    expect(await boundedCall('redis', 1_000, async (s) => ((signal = s), 'ok'))).toBe('ok');
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(signal?.aborted).toBe(false);
  });
});
